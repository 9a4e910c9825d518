"""A streaming run's window manifests add up to one (dataset/runs.py)."""
from dataset.runs import merge_counts


def test_windows_add_up_and_hosts_keep_every_reason():
    first = {"articles": 2, "accounting_balanced": True, "by_feed": {"f": {"articles": 2}},
             "hosts_slowed": {"a.example": {"slowed": ["http_429"], "delay": 1.0,
                                            "backed_off": False}}}
    second = {"articles": 3, "accounting_balanced": True, "by_feed": {"f": {"articles": 3}},
              "hosts_slowed": {"a.example": {"slowed": ["http_503"], "delay": 2.0,
                                             "backed_off": True},
                               "b.example": {"slowed": [], "delay": 0.25,
                                             "backed_off": True}}}
    merged = merge_counts(first, second)
    assert merged["articles"] == 5 and merged["by_feed"]["f"]["articles"] == 5
    assert merged["hosts_slowed"] == {
        "a.example": {"slowed": ["http_429", "http_503"], "delay": 2.0, "backed_off": True},
        "b.example": {"slowed": [], "delay": 0.25, "backed_off": True}}

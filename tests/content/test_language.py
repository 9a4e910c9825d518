"""Language detection and the choice between detectors and declarations
(transforms/content/language.py)."""
from transforms.content.language import (choose_language, declared_code, detect_language,
                                         identify_language)


def test_language_is_detected_and_deterministic():
    english = "The council voted on Tuesday to approve the new budget for the harbour. " * 5
    german = "Der Gemeinderat hat am Dienstag den neuen Haushalt für den Hafen beschlossen. " * 5
    assert detect_language(english)[0] == "en"
    assert detect_language(german)[0] == "de"
    assert len({detect_language(english * 3) for _ in range(5)}) == 1


def test_language_falls_back_to_the_hint_on_short_text():
    assert detect_language("OK 123", hint="fr") == ("fr", None)


# Isolezwe (Zulu) and Dizindaba (Xhosa) both declare <html lang="en">; langdetect, which has
# no profile for either, calls them Swahili.
ZULU = ("LUSELUDE ukhalo ngempi yokuqedwa inkinga yemilutha yewunga enkabeni yeTheku. Lokhu kuza "
        "emva kokuvimbanisa kwayo emgwaqweni uChe Guevara - owawaziwa ngoMoore Road - ngemijondolo "
        "kaseyili noplastiki.")

XHOSA = ("Iindaba zakutshanje ezimnandi ngakulutsha oluthwaxwa yentswela ngqesho zezo zinge Sebe "
         "lezeKhaya nelazise okokuba ligaya isigaba sesibini senyathelo lokuheha amawaka angama "
         "4000 olutsha olungaphangeliyo.")


def test_a_language_langdetect_cannot_name_gets_a_second_opinion():
    assert detect_language(ZULU)[0] == "sw"
    assert identify_language(ZULU, ["en"])[::2] == ("zu", "py3langid")
    assert identify_language(XHOSA, ["en-US"])[::2] == ("xh", "py3langid")
    # no contradiction, no second opinion: langdetect's answer stands
    assert identify_language(ZULU, [])[::2] == ("sw", "detected")
    # a second opinion naming a language langdetect knows does not overrule it
    german = "Die Bundesregierung hat am Mittwoch in Berlin neue Regeln für den Handel beschlossen."
    assert identify_language(german, ["en"])[::2] == ("de", "detected")
    # the py3langid detector needs no second opinion
    assert identify_language(ZULU, ["en"], "py3langid")[::2] == ("zu", "detected")


def test_language_declared_codes_and_unsupported_languages():
    assert declared_code("de-DE") == "de" and declared_code("en_US") == "en"
    assert declared_code("nb") == "no" and declared_code("x") is None
    assert choose_language("da", 0.9, ["kl"]) == ("kl", None, "declared")   # Greenlandic
    assert choose_language("en", 0.99, ["de-DE"]) == ("en", 0.99, "detected")
    assert choose_language(None, None, ["fr"]) == ("fr", None, "declared")


def test_both_detectors_agree_on_plain_text():
    german = "Der Gemeinderat hat am Dienstag den neuen Haushalt für den Hafen beschlossen. " * 3
    assert detect_language(german)[0] == detect_language(german, detector="py3langid")[0] == "de"

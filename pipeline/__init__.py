"""Options, graph construction and the command line of newsbeam."""

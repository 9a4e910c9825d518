if __name__ == "__main__":
    # imported inside the guard: extraction children, spawned from this process, re-import
    # this module as their main one, and need none of the command line
    from pipeline.main import exit_after, main

    exit_after(main)

from pipeline.main import exit_after, main

if __name__ == "__main__":
    exit_after(main)

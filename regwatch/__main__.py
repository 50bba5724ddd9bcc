from regwatch.cli import main

if __name__ == "__main__":  # worker processes (the bounded file parser) import this module again
    main()

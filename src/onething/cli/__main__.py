from onething.cli import main

main()

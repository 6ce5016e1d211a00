from todo_cli.cli.app import main

main()

from fera.cli.main import main

main()

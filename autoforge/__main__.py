from autoforge.cli import main

main()

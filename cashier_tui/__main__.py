from cashier_tui.cli import main

raise SystemExit(main())

from microneedle_desk.cli import main

raise SystemExit(main())

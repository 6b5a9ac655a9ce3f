"""`python -m tests.chaos --referrals N --kills K --seed S` (what `make chaos` runs)."""

import sys

from tests.chaos.run import main

sys.exit(main())

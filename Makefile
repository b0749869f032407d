# Shorthands for the two commands in the README (dev.py works without make, too).
.PHONY: run test lint audit mutate
run:
	python3 dev.py run
test:
	python3 dev.py test
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
# Needs a machine that can reach the advisory databases (not this project's CI).
audit:
	.venv/bin/python -m pip install -q pip-audit && .venv/bin/pip-audit -r requirements.lock
# Mutation testing of the pure rules and the completion writer (README, "Mutation testing").
# `make mutate MODULES=webapp.streaks.core` for one module.
mutate:
	python3 dev.py mutate $(MODULES)

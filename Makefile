# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run workflow test lint bench java services browser studio jars clean

# Spark 4 needs Java 17 or newer; stop before creating anything when it is missing.
java:
	@v=$$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1); \
	if [ -z "$$v" ] || [ "$$v" -lt 17 ]; then \
	  echo "error: Java 17 or newer is required (found: $${v:-none})." >&2; \
	  echo "  Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless" >&2; \
	  echo "  macOS:         brew install openjdk@17" >&2; \
	  echo "  then make sure 'java -version' prints 17 or newer, or set JAVA_HOME." >&2; \
	  exit 1; \
	fi

# The venv is (re)installed when it is missing or pyproject.toml changed.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Spark packages (spark.packages in conf/local.yaml: delta-spark, hadoop-aws, spark-avro) from Maven
# Central into Ivy's cache, once; later runs read the cache. Offline, it says what is missing.
jars: java $(STAMP)
	$(BIN)/etl jars --env local

# Runs and tests go on without packages that cannot be fetched (Delta through delta-rs; the tests
# that need a missing JAR skip, naming it).
JARS_OR_WARN = $(BIN)/etl jars --env local || echo "warning: going on without the Spark packages above" >&2

# The crawler brings shop_raw.orders (the job's input) up to date with the export folder first.
run: java $(STAMP)
	@$(JARS_OR_WARN)
	$(BIN)/etl crawl sample_orders --env local
	$(BIN)/etl run jobs/sample_orders.py --env local --job-bookmark-option job-bookmark-enable

# The same two steps as a workflow run (conf/workflows/sample_orders.yaml and its triggers).
workflow: java $(STAMP)
	@$(JARS_OR_WARN)
	$(BIN)/etl workflows run sample_orders --env local

# The JDBC tests start a private PostgreSQL server: install it (and its JDBC driver) when missing.
services:
	@if [ -f /usr/share/java/postgresql.jar ] && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
	  echo "services: postgresql and libpostgresql-jdbc-java are installed"; \
	else \
	  sudo=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  echo "services: installing postgresql and libpostgresql-jdbc-java with apt-get"; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
	    postgresql libpostgresql-jdbc-java; \
	fi

# The Studio's browser tests drive Debian's chromium through Playwright (never a downloaded browser).
browser:
	@if command -v chromium >/dev/null 2>&1; then \
	  echo "browser: chromium is installed"; \
	else \
	  sudo=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  echo "browser: installing chromium with apt-get"; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium; \
	fi

# The Studio's front end, rebuilt from studio-ui/ into the package (commit the result); a test checks
# that the committed build matches its sources (studio-ui/stamp.mjs records their hash).
studio:
	cd studio-ui && npm ci --no-audit --no-fund && npm run build

# Two workers, each with its own Spark session, Derby metastore and servers; a test file stays on
# one worker (its module fixtures are shared), the longest files first (tests/conftest.py's order;
# xdist's own would put the files with few tests last). PYTEST_WORKERS= runs the suite in one process.
PYTEST_WORKERS ?= -n 2 --dist loadfile --no-loadscope-reorder

test: java services browser $(STAMP)
	@$(JARS_OR_WARN)
	$(BIN)/python -m pytest $(PYTEST_WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check etl_framework jobs tests bench
	$(BIN)/ruff format --check etl_framework jobs tests bench

# BENCH_SCALE=smoke|small|full (default small); see README's Performance section.
bench: java $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) warehouse state spark-warehouse metastore_db derby.log studio-ui/node_modules

#!/usr/bin/env bash
# Makes sure Apache Jena SHACL (Debian's libapache-jena-java, 4.5.0 on bookworm) can be run
# for the validation benchmark and the engine-agreement test (benchmarks/jena.py,
# tests/test_jena_agreement.py). Java 17 comes from ensure-system-deps.sh.
#
# Debian ships the jars but no `shacl` command, so this script writes the class path of
# Jena and every Java library it depends on (following the Debian dependencies) to
# .cache/jena/classpath (not committed). Jena 4.5's XSD datatype code looks up its
# message files under xerces/ while the jar holds them under org/apache/jena/ext/xerces/:
# they are copied to .cache/jena/fix/xerces/, which goes first on the class path.
# scripts/JenaShaclBatch.java (several data files against one shapes graph in one JVM) is
# compiled into .cache/jena/classes; javac comes from default-jdk-headless.
# Idempotent: does nothing when the package is installed, the class path written and the
# class compiled from the current source.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache/jena"
PACKAGE=libapache-jena-java
MARK="$CACHE/classpath"
SOURCE="$ROOT/scripts/JenaShaclBatch.java"
CLASS="$CACHE/classes/JenaShaclBatch.class"

if dpkg -s "$PACKAGE" >/dev/null 2>&1 && [ -s "$MARK" ] && [ "$MARK" -nt /usr/share/java/jena-shacl.jar ] \
        && [ -f "$CLASS" ] && [ "$CLASS" -nt "$SOURCE" ]; then
    exit 0
fi

missing=()
dpkg -s "$PACKAGE" >/dev/null 2>&1 || missing+=("$PACKAGE")
command -v javac >/dev/null 2>&1 || missing+=(default-jdk-headless)
bash "$ROOT/scripts/apt-install.sh" "The Jena SHACL comparison of mag-graph" "" ${missing[@]+"${missing[@]}"}

# The jars of the package and of every installed Java library it depends on, transitively.
declare -A seen=()
queue=("$PACKAGE")
jars=()
while [ ${#queue[@]} -gt 0 ]; do
    pkg="${queue[0]}"
    queue=("${queue[@]:1}")
    [ -n "${seen[$pkg]:-}" ] && continue
    seen[$pkg]=1
    dpkg -s "$pkg" >/dev/null 2>&1 || continue
    while IFS= read -r jar; do
        jars+=("$(readlink -f "$jar")")
    done < <(dpkg -L "$pkg" | grep -E '^/usr/share/java/[^/]+\.jar$' || true)
    for dep in $(dpkg-query -W -f='${Depends}' "$pkg" | tr ',|' '\n\n' | sed -E 's/\(.*\)//; s/:any//; s/ //g'); do
        case "$dep" in
            lib*-java) queue+=("$dep") ;;
        esac
    done
done

rm -rf "$CACHE/fix"
mkdir -p "$CACHE/fix"
python3 - "$CACHE/fix" <<'PY'
import sys, zipfile
from pathlib import Path

prefix = "org/apache/jena/ext/xerces/"
with zipfile.ZipFile("/usr/share/java/jena-core.jar") as jar:
    for name in jar.namelist():
        if name.startswith(prefix) and name.endswith(".properties"):
            target = Path(sys.argv[1], "xerces", name[len(prefix):])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(jar.read(name))
PY
test -d "$CACHE/fix/xerces"

classpath="$CACHE/fix"
# Debian's libslf4j-java holds every SLF4J binding and bridge; with several bound, SLF4J
# stops at start-up. Only the API and the no-op binding (Jena's log lines are not wanted).
for jar in $(printf '%s\n' "${jars[@]}" | sort -u); do
    case "$(basename "$jar")" in
        slf4j-api.jar | slf4j-nop.jar) ;;
        *slf4j*) continue ;;
    esac
    classpath="$classpath:$jar"
done
rm -rf "$CACHE/classes"
mkdir -p "$CACHE/classes"
javac -nowarn -d "$CACHE/classes" -cp "$classpath" "$SOURCE"
classpath="$CACHE/classes:$classpath"
printf '%s\n' "$classpath" > "$MARK.tmp"
mv "$MARK.tmp" "$MARK"
echo "Jena SHACL class path written to ${MARK#"$ROOT"/}"

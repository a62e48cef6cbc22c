# Sourced by setup.sh and lock.sh: the Python they need, and pip as they run it.

require_python311() {
    if ! "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
        echo "error: Python 3.11 is needed (the CPU torch wheel is built for it); set PYTHON=/path/to/python3.11" >&2
        exit 2
    fi
}

# pip of the venv in $VENV, quiet but for warnings and errors. One warning is dropped: a pip
# configuration that lists a local folder as an extra index (`pip config list -v`; this team's
# machines list /opt/pypi-more/simple, which holds a few packages only) makes pip say, for every
# other package, "WARNING: Location 'file:///…/name/' is ignored: it is neither a file nor a
# directory." The folder is simply not used for that package; the install is the same.
pip() {
    "$VENV/bin/python" -m pip --disable-pip-version-check -q "$@" \
        2> >(grep -v "^WARNING: Location 'file://.*' is ignored: it is neither a file nor a directory\.$" >&2)
}

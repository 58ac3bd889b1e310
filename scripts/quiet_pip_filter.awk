# Filters pip's known-harmless noise from the set-up scripts' stderr (scripts/setup_venv.sh,
# scripts/inc_oracle_venv.sh), so that what remains is worth reading:
# - "... is ignored: it is neither a file nor a directory": a local index folder named by the machine's
#   pip configuration that does not exist;
# - in the INC 2.6 venv, the resolver's "torch ... requires setuptools>=77" conflict (with its header):
#   INC 2.6 needs setuptools<70 (pkg_resources), and torch runs fine with it.
/is ignored: it is neither a file nor a directory/ { next }
/^ERROR: pip.s dependency resolver does not currently take into account/ { held = $0; next }
held != "" {
  if ($0 ~ /^torch [^ ]+ requires setuptools/) { held = ""; next }
  print held; held = ""
}
{ print; fflush() }
END { if (held != "") print held }

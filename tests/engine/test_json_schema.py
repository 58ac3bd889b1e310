import json
import subprocess
import sys

import jsonschema
import yaml

from analysis.json_schema import dialect_json_schema
from analysis.schema import DIALECTS
from tests.conftest import REPO


class _TagLoader(yaml.SafeLoader):
    pass


_TagLoader.add_constructor("!PrunerV2", lambda l, n: l.construct_mapping(n, deep=True))
_TagLoader.add_constructor("!Pruner", lambda l, n: l.construct_mapping(n, deep=True))


def test_every_key_of_the_schema_tables_is_exported():
    s = dialect_json_schema("v2")
    g = s["properties"]["pruning"]["properties"]["approach"]["properties"]["weight_compression_v2"]
    assert set(g["properties"]) == set(DIALECTS["B"].global_keys)
    pruner = g["properties"]["pruners"]["items"]
    assert set(pruner["properties"]) == set(DIALECTS["B"].pruner_keys)
    assert pruner["additionalProperties"] is False
    assert g["properties"]["pruning_scope"]["enum"] == ["global", "local"]


def test_example_validates_and_mistakes_do_not():
    schema = dialect_json_schema("v2")
    good = yaml.load((REPO / "examples" / "prune_tiny_bert.yaml").read_text(), Loader=_TagLoader)
    jsonschema.validate(good, schema)
    bad = json.loads(json.dumps(good))
    bad["pruning"]["approach"]["weight_compression_v2"]["pruners"][0]["pattern"] = 124  # unquoted 2:4
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(bad))
    assert errors


def test_cli_prints_valid_json_for_each_dialect():
    for d in ("v2", "pytorch", "1.x", "weightpruningconfig"):
        r = subprocess.run([sys.executable, "-m", "prune_lsp", "schema", "--dialect", d], cwd=REPO,
                           capture_output=True, text=True, check=True)
        jsonschema.Draft7Validator.check_schema(json.loads(r.stdout))

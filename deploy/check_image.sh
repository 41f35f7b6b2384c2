#!/usr/bin/env bash
# Build deploy/Dockerfile with Podman and run the image the way a deployment does, checking what
# a deployment relies on; prints the figures deploy/README.md quotes. Not part of CI (a cold build
# takes 11-15 minutes on 2 cores). Run from the repository root, as root (rootful Podman):
#
#   deploy/check_image.sh            # SHARED=../shared by default: its containers/ folder
#   COLD=1 deploy/check_image.sh     # the first build without any cached layer (a cold build)
#
# Without a registry, the base images are made locally as ../shared/containers/README.md shows:
# Debian bookworm by debootstrap, a stand-in python:3.11-slim on it, and a Redis image from
# Debian's redis-server for the compose check.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=$(cd "${SHARED:-../shared}" 2>/dev/null && pwd) || { echo "no shared folder (set SHARED)" >&2; exit 1; }
IMAGE=localhost/multiplex:check
NAME=mx-check
export CONTAINERS_CONF=${CONTAINERS_CONF:-$SHARED/containers/containers.conf}
say() { printf '[check-image] %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
in_container() { podman exec "$NAME" python -c "$1"; }
# debootstrap leaves what debian:bookworm-slim does not carry (206 MB here, 77.9 MB without it):
# apt's package lists and caches (80 MB), and the documentation, manuals and translations that
# the slim images exclude from every package, then and later (dpkg path-excludes, as
# debuerreotype's slimify does), copyright files kept. Without this the stand-in base weighs
# 284 MB, and the image's size measures debootstrap's leftovers rather than deploy/Dockerfile.
slim_debian() {
  local root=$1
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' \
    'path-exclude /usr/share/groff/*' 'path-exclude /usr/share/lintian/*' 'path-exclude /usr/share/linda/*' \
    >"$root/etc/dpkg/dpkg.cfg.d/slim"
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$root"/usr/share/{man,info,locale,groff,lintian,linda}/* "$root"/var/lib/apt/lists/* \
    "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log
}

for tool in podman debootstrap; do
  command -v "$tool" >/dev/null || { say "installing podman (apt)"; apt-get install -y -qq podman buildah debootstrap runc >/dev/null; }
done
[ -f "$CONTAINERS_CONF" ] || fail "no containers.conf at $CONTAINERS_CONF (set SHARED or CONTAINERS_CONF)"

if ! podman image exists localhost/debian:bookworm; then
  say "making the Debian base (debootstrap, about a minute)"
  root=$(mktemp -d)/rootfs
  debootstrap --variant=minbase bookworm "$root" >/dev/null
  slim_debian "$root"
  tar -C "$root" -c . | podman import - localhost/debian:bookworm >/dev/null
fi
if ! podman image exists docker.io/library/python:3.11-slim; then
  say "making the stand-in python:3.11-slim"
  ctx=$(mktemp -d) && cp "$SHARED/containers/Containerfile.python-base" "$ctx"/
  cp /usr/local/share/ca-certificates/*.crt "$ctx"/ 2>/dev/null || true
  podman build -q -f "$ctx/Containerfile.python-base" -t docker.io/library/python:3.11-slim "$ctx" >/dev/null
fi
if ! podman image exists localhost/redis:check; then
  ctx=$(mktemp -d)
  printf 'FROM localhost/debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends redis-server && rm -rf /var/lib/apt/lists/*\nUSER redis\nCMD ["redis-server"]\n' >"$ctx/Containerfile"
  podman build -q -t localhost/redis:check "$ctx" >/dev/null
fi

cold_flag=""
podman image exists "$IMAGE" && cold_flag="(the image existed: layers cached)"
if [ -n "${COLD:-}" ]; then  # no layer of an earlier build left to reuse (the base images stay)
  podman rmi -f "$IMAGE" >/dev/null 2>&1 || true
  podman image prune -f >/dev/null
  cold_flag="(cold: no cached layer)"
fi
start=$(now)
podman build -q --format docker -f deploy/Dockerfile -t "$IMAGE" . >/dev/null
build_s=$(since "$start")
start=$(now)
podman build -q --format docker -f deploy/Dockerfile -t "$IMAGE" . >/dev/null
rebuild_s=$(since "$start")
say "build ${build_s} s ${cold_flag}; rebuild ${rebuild_s} s"
size_mb=$(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f", $1 / 1000000 }')
podman image inspect --format '{{.Config.Healthcheck}}' "$IMAGE" | grep -q health/live || fail "the image has no HEALTHCHECK"
wheels=$(podman history --no-trunc --format '{{.CreatedBy}} {{.Size}}' "$IMAGE" | grep -c '/wheels' || true)
[ "$wheels" = 0 ] || fail "a layer still copies wheels"

podman rm -f "$NAME" >/dev/null 2>&1 || true
start=$(now)
podman run -d --name "$NAME" --read-only --cap-drop=ALL --security-opt=no-new-privileges \
  --network=none -e HOME=/tmp "$IMAGE" >/dev/null
for _ in $(seq 1 300); do
  in_container "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health/live', timeout=2)" 2>/dev/null && break
  sleep 0.5
done
healthy_s=$(since "$start")
say "image ${size_mb} MB; healthy ${healthy_s} s after start"
in_container "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health/live', timeout=2)" || fail "not healthy"
podman healthcheck run "$NAME" || fail "the HEALTHCHECK failed"
[ "$(podman exec "$NAME" id -u)" = 10001 ] || fail "not running as user 10001"
podman exec "$NAME" sh -c 'touch /usr/x 2>/dev/null' && fail "the root file system is writable"
podman exec "$NAME" sh -c 'grep -q "^CapEff:\s*0000000000000000" /proc/1/status' || fail "capabilities were not dropped"
ASK='import json, sys, time, urllib.request as u
body = json.dumps({"model": sys.argv[1], "messages": [{"role": "user", "content": "What makes a good teacher?"}]}).encode()
t = time.time()
r = json.load(u.urlopen(u.Request("http://127.0.0.1:8000/v1/chat/completions", body, {"content-type": "application/json"}), timeout=600))
assert r["choices"][0]["message"]["content"].strip(), r
print(f"{time.time() - t:.1f}", r["multiplex"]["mode"], len(r["multiplex"]["perspectives"]))'
models=$(in_container 'import json, urllib.request as u; print(len(json.load(u.urlopen("http://127.0.0.1:8000/v1/models"))["data"]))')
[ "$models" -ge 10 ] || fail "/v1/models lists $models models"
first=$(podman exec "$NAME" python -c "$ASK" multiplex-baseline) || fail "no baseline answer"
mas=$(podman exec "$NAME" python -c "$ASK" multiplex-mas) || fail "no mas answer"
start=$(now)
podman stop -t 10 "$NAME" >/dev/null
stop_s=$(since "$start")
say "baseline ${first%% *} s, mas ${mas%% *} s, stopped ${stop_s} s after SIGTERM"
awk -v s="$stop_s" 'BEGIN { exit !(s < 2) }' || fail "stopping took $stop_s s (more than 2 s after SIGTERM)"
podman rm "$NAME" >/dev/null

say "compose: multiplex with Redis (podman-compose from PyPI)"
venv=${HOME}/.cache/multiplex/podman-compose-venv
[ -x "$venv/bin/podman-compose" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q "podman-compose>=1.6"; }
project=mxcheck
export REDIS_IMAGE=localhost/redis:check
"$venv/bin/podman-compose" -p "$project" -f deploy/compose.yaml down >/dev/null 2>&1 || true
sed "s|image: multiplex:0.1.0|image: $IMAGE|; /build:/,/dockerfile:/d" deploy/compose.yaml >deploy/.compose-check.yaml
trap 'rm -f deploy/.compose-check.yaml' EXIT
"$venv/bin/podman-compose" -p "$project" -f deploy/.compose-check.yaml up -d multiplex redis >/dev/null 2>&1
container=$(podman ps --filter "label=io.podman.compose.project=$project" --format '{{.Names}}' | grep multiplex | head -1)
for _ in $(seq 1 300); do
  redis=$(podman exec "$container" python -c 'import json, urllib.request as u; print(json.load(u.urlopen("http://127.0.0.1:8000/health/ready"))["redis"])' 2>/dev/null || true)
  [ "$redis" = up ] && break
  sleep 0.5
done
"$venv/bin/podman-compose" -p "$project" -f deploy/.compose-check.yaml down >/dev/null 2>&1
[ "$redis" = up ] || fail "compose: multiplex does not see its Redis (readiness says '$redis')"

echo "| image size | build $cold_flag | rebuild (cached) | to healthy | first answer (baseline) | mas answer | stop after SIGTERM | compose Redis |"
echo "|---|---|---|---|---|---|---|---|"
echo "| ${size_mb} MB | ${build_s} s | ${rebuild_s} s | ${healthy_s} s | ${first%% *} s | ${mas%% *} s | ${stop_s} s | ${redis} |"
say "every check passed: non-root, read-only root, no capabilities, offline, HEALTHCHECK, no wheels in a layer"

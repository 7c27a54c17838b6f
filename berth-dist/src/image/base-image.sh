#!/usr/bin/env bash
# Makes the base image of Berth's container image (mvn package -Pimage) without a registry or a
# container daemon: a Debian root filesystem made from Debian's own packages by mmdebstrap, holding
# what Berth runs beside the JVM (bubblewrap; setpriv, prlimit and mount of util-linux; timeout and
# env of coreutils; git; mkfs.ext4 of e2fsprogs; the CA certificates), written as a `docker save`
# archive of one layer, which Jib takes as a `tar://` base image.
#
#   base-image.sh OUTPUT.tar     (as root; needs mmdebstrap and Debian's package mirror)
#
# BERTH_IMAGE_SUITE names the Debian release (default bookworm). An OUTPUT that exists is kept:
# delete it to take newer packages.
set -euo pipefail
out=$(realpath -m "$1")
suite=${BERTH_IMAGE_SUITE:-bookworm}
[ -f "$out" ] && exit 0
command -v mmdebstrap >/dev/null || {
  echo "base-image.sh: mmdebstrap is needed (apt-get install mmdebstrap)" >&2
  exit 1
}
case $(uname -m) in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) echo "base-image.sh: no Debian architecture known for $(uname -m)" >&2; exit 1 ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/image"

# No recommended packages, documentation or translations; no device nodes, which the container
# runtime makes.
mmdebstrap --variant=minbase --architectures="$arch" \
  --include=bubblewrap,util-linux,coreutils,git,e2fsprogs,ca-certificates \
  --aptopt='APT::Install-Recommends "false"' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --skip=output/dev \
  "$suite" "$work/layer.tar"

# `docker save` layout: the layer under its digest, the image config, and manifest.json naming both.
layer=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
mkdir "$work/image/$layer"
mv "$work/layer.tar" "$work/image/$layer/layer.tar"
cat >"$work/config.json" <<JSON
{"architecture":"$arch","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:$layer"]},"history":[{"created_by":"mmdebstrap $suite: bubblewrap util-linux coreutils git e2fsprogs ca-certificates"}]}
JSON
config=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mv "$work/config.json" "$work/image/$config.json"
cat >"$work/image/manifest.json" <<JSON
[{"Config":"$config.json","RepoTags":["berth-base:$suite"],"Layers":["$layer/layer.tar"]}]
JSON
mkdir -p "$(dirname "$out")"
tar -C "$work/image" -cf "$out.partial" manifest.json "$config.json" "$layer"
mv "$out.partial" "$out"

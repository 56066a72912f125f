#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The container image of babed and babectl (and babe-dpctl when built), from
# scratch, with no registry: the binaries of $BABE_BUILD_DIR, the shared
# libraries they load (ldd) at the paths ldd names, busybox (static, from
# Debian's busybox-static) for the chart's init container (sysctls, bpffs)
# and `kubectl exec ... sh`, the default config, /etc/passwd and /etc/group.
# Reproducible: every file's time and the image's are the last commit's
# (SOURCE_DATE_EPOCH), so the same build gives the same image ID (layer and
# config digests; the OCI archive's outer tar is not byte-identical).
#
#   IMAGE=localhost/babe TAG=<version> bash tools/image.sh
#
# Leaves the image in the local containers storage (podman and buildah see
# it) and an OCI archive, $BABE_BUILD_DIR/image/babe-<tag>.oci.tar, that a
# node imports without a registry (`ctr -n k8s.io images import`, `podman
# load`). Prints the image ID and sizes on its last lines. Needs root.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

for c in buildah ldd busybox; do
	command -v "$c" > /dev/null || { echo "image: $c missing (bash tools/install-deps.sh image)" >&2; exit 1; }
done
bins=("$babe_build/userspace/daemon/babed" "$babe_build/userspace/cli/babectl")
for b in "${bins[@]}"; do [ -x "$b" ] || { echo "image: $b not built (make build)" >&2; exit 1; }; done
[ -x "$babe_build/userspace/dataplane/babe-dpctl" ] && bins+=("$babe_build/userspace/dataplane/babe-dpctl")

version=$("$babe_build/userspace/daemon/babed" --version | awk '{print $2}')
IMAGE=${IMAGE:-localhost/babe}
TAG=${TAG:-$version}
out=$babe_build/image
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$babe_root" log -1 --format=%ct 2> /dev/null || echo 0)}
rootfs=$out/rootfs
rm -rf "$rootfs"
mkdir -p "$rootfs"/{usr/sbin,bin,etc/babe,run/babe,tmp,sys/fs/bpf}
chmod 1777 "$rootfs/tmp"

for b in "${bins[@]}"; do install -m755 "$b" "$rootfs/usr/sbin/"; done
# Every library as ldd resolves it, copied (not linked) to the path the
# loader will look at; the loader itself at its absolute path.
libs=$(ldd "${bins[@]}" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 !~ /:$/ {print $1}' | sort -u)
for l in $libs; do
	mkdir -p "$rootfs$(dirname "$l")"
	cp -L "$l" "$rootfs$l"
done
install -m755 "$(command -v busybox)" "$rootfs/bin/busybox"
bb_ldd=$(ldd "$rootfs/bin/busybox" 2>&1 || true)
grep -q 'not a dynamic' <<< "$bb_ldd" ||
	{ echo "image: $(command -v busybox) is not static (install busybox-static)" >&2; exit 1; }
ln -s busybox "$rootfs/bin/sh"
install -m644 "$babe_root/packaging/babe.yaml" "$rootfs/etc/babe/babe.yaml"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
find "$rootfs" -exec touch -h -d "@$epoch" {} +

ctr=$(buildah from scratch)
trap 'buildah rm "$ctr" > /dev/null 2>&1 || true' EXIT
buildah copy --quiet "$ctr" "$rootfs" / > /dev/null
buildah config \
	--entrypoint '["/usr/sbin/babed"]' --cmd '["-c", "/etc/babe/babe.yaml"]' \
	--env PATH=/usr/sbin:/bin --workingdir / \
	--label org.opencontainers.image.title=babe \
	--label org.opencontainers.image.description="babed (DSR mesh node daemon, XDP fast path) and babectl" \
	--label org.opencontainers.image.version="$version" \
	--label org.opencontainers.image.licenses=Apache-2.0 \
	--created-by "tools/image.sh" \
	"$ctr"
old=$(buildah images --noheading --quiet --no-trunc "$IMAGE:$TAG" 2> /dev/null || true)
id=$(buildah commit --quiet --timestamp "$epoch" --rm "$ctr" "$IMAGE:$TAG")
trap - EXIT
# The image this tag named before, now untagged: removed unless in use.
[ -z "$old" ] || [ "$old" = "sha256:$id" ] || [ "$old" = "$id" ] || buildah rmi "$old" > /dev/null 2>&1 || true
rm -f "$out/babe-$TAG.oci.tar"
buildah push --quiet "$IMAGE:$TAG" "oci-archive:$out/babe-$TAG.oci.tar:$IMAGE:$TAG" > /dev/null
size=$(du -sb "$rootfs" | cut -f1)
echo "image: $IMAGE:$TAG id ${id:0:12}"
echo "image: files $(numfmt --to=iec --suffix=B "$size") uncompressed; archive $out/babe-$TAG.oci.tar $(numfmt --to=iec --suffix=B "$(stat -c %s "$out/babe-$TAG.oci.tar")")"

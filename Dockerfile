# inject-sidecars as a KRM function image, built offline: `make image`
# builds a static binary (CGO_ENABLED=0, -trimpath) and this file only
# packs it, so no base image or registry is needed. kpt and kustomize run
# function containers as `--user nobody` with no network and a read-only
# root: /etc/passwd names nobody (65534) and nonroot (65532), or they fail
# with exit 126; the binary writes nothing in KRM mode.
FROM scratch
COPY hack/image/passwd /etc/passwd
COPY hack/image/group /etc/group
COPY bin/image/inject-sidecars /usr/local/bin/inject-sidecars
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/inject-sidecars"]

# inject-sidecars as a KRM function image. kpt and kustomize run function
# containers as nobody, with no network and a read-only root: the binary
# needs no network, writes nothing in KRM mode, and runs as any user. The
# final image is distroless static nonroot, pinned by digest.
FROM golang:1.26.8 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/inject-sidecars .

FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab
COPY --from=build /out/inject-sidecars /usr/local/bin/inject-sidecars
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/inject-sidecars"]

# syntax=docker/dockerfile:1
# Multi-stage build: a static stsrender on distroless, which has CA
# certificates and the nobody user kustomize runs container functions as.
FROM --platform=${BUILDPLATFORM} docker.io/library/golang:1.26 AS build
ARG TARGETOS=linux
ARG TARGETARCH=amd64
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags "-s -w -X github.com/stsrender/stsrender/internal/cli.version=${VERSION}" -o /stsrender .

FROM gcr.io/distroless/static:nonroot
COPY --from=build /stsrender /usr/local/bin/stsrender
# kustomize runs container functions with no arguments: the image must be
# the KRM function when started bare. The cache lives in /tmp unless a
# writable directory is mounted and STSRENDER_CACHE_DIR points at it.
ENV STSRENDER_CACHE_DIR=/tmp/stsrender-cache
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/stsrender"]

# openfast in a container: the binary built with cgo (SQLite and DuckDB are
# linked in), run as the unprivileged user openfast, with its data folder
# in the volume /data.
#
#   docker build -t openfast .
#   docker run -d --name openfast -p 8080:8080 -v openfast-data:/data openfast
#   docker exec openfast openfast admin bootstrap --email you@example.com
#
# Every serve flag can be given as OPENFAST_<FLAG> (-e OPENFAST_PUBLIC_URL=...).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=1 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
      -o /out/openfast ./cmd/openfast

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates tzdata libstdc++6 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system openfast \
 && useradd --system --gid openfast --home-dir /data --no-create-home --shell /usr/sbin/nologin openfast \
 && install -d -o openfast -g openfast -m 0700 /data
COPY --from=build /out/openfast /usr/local/bin/openfast
USER openfast
# The data folder, listened on all interfaces in the container; the admin
# commands run with docker exec find the same folder.
ENV OPENFAST_DATA_DIR=/data \
    OPENFAST_LISTEN=0.0.0.0:8080
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=6s --start-period=30s --retries=3 \
  CMD ["openfast", "healthcheck", "--healthcheck-url", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["openfast"]
CMD ["serve"]

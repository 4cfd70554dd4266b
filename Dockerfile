# Build: docker build -t shrinkscope .
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/shrinkscope ./cmd/shrinkscope

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/shrinkscope --create-home shrinkscope
COPY --from=build /out/shrinkscope /usr/local/bin/shrinkscope
USER shrinkscope
ENV SHRINKSCOPE_ADDR=:8080 SHRINKSCOPE_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/shrinkscope"]
CMD ["serve"]

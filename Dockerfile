# outsourcing-bot in a container: build with the Rust toolchain, run on a
# small Debian image as an unprivileged user. The knowledge and the question
# store are volumes, so an edit or a backup never needs a rebuild.
#
#   docker build -t outsourcing-bot .
#   docker run -d --name outsourcing-bot -e DISCORD_TOKEN \
#     -v "$PWD/knowledge:/app/knowledge" -v outsourcing-bot-data:/app/data \
#     -p 127.0.0.1:9464:9464 outsourcing-bot
#   docker kill --signal=HUP outsourcing-bot     # reload the knowledge

FROM rust:1.88-bookworm AS build
WORKDIR /src
# The manifest names benches and examples: the whole tree is needed to read
# it (see .dockerignore for what is left out).
COPY . .
RUN cargo build --release --locked --bin outsourcing-bot \
 && strip target/release/outsourcing-bot

FROM debian:bookworm-slim
# curl for the health check; ca-certificates for https://discord.com.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin bot \
 && mkdir -p /app/data \
 && chown bot:bot /app/data
WORKDIR /app
COPY --from=build /src/target/release/outsourcing-bot /usr/local/bin/outsourcing-bot
COPY knowledge /app/knowledge
COPY deploy/container.toml /app/config.toml
VOLUME ["/app/knowledge", "/app/data"]
USER bot
EXPOSE 9464
# The bot shuts down cleanly on SIGTERM (its queued questions written).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD curl -fsS http://127.0.0.1:9464/healthz || exit 1
ENTRYPOINT ["outsourcing-bot", "--config", "/app/config.toml"]
CMD ["serve"]

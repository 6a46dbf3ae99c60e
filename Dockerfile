# The Mage image of qbo-backfill: the pinned official Mage image plus Node 20 and the compiled TypeScript blocks.
#
# Layout inside the image (the same relative layout as the repository, so the Python bridge finds the Node
# entry points the same way in both places):
#   /home/src/package.json, node_modules/   production dependencies only
#   /home/src/ts-blocks/dist/               compiled blocks, CLI and local QBO sandbox
#   /home/src/db/init/                      the DDL (also mounted into the warehouse container)
#   /home/src/mage_project/                 the Mage project (docker-compose.yml mounts the working copy over it)
#   /home/src/scripts/mage-*secrets.py      loading Mage Secrets inside the container
#   /home/src/mage_data/                    MAGE_DATA_DIR: Mage's DB and its secrets key (a named volume)
#
# The mageai/mageai tag must equal the mage-ai pin in mage_project/requirements-mage.txt (checked by
# ts-blocks/test/deploy/compose.test.ts), so the container runs the Mage the tests ran.

# Node comes from the official Node image, pinned. Both images are Debian bookworm, so the binary's glibc matches.
FROM node:20.20.2-bookworm-slim AS node-runtime

# Build: full dependency tree, compile ts-blocks/src to ts-blocks/dist.
FROM node-runtime AS build
WORKDIR /build
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY ts-blocks/src ./ts-blocks/src
COPY scripts/bundle-blocks.ts ./scripts/
RUN npm run build

# Runtime dependencies only (no compiler, no test tools). Install scripts are not needed by the compiled code.
FROM node-runtime AS deps
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM mageai/mageai:0.9.80
COPY --from=node-runtime /usr/local/bin/node /usr/local/bin/node
ENV MAGE_DATA_DIR=/home/src/mage_data \
    NODE_ENV=production \
    TZ=Etc/UTC
WORKDIR /home/src
COPY --from=deps /build/node_modules ./node_modules
COPY --from=build /build/ts-blocks/dist ./ts-blocks/dist
COPY package.json ./
COPY db/init ./db/init
COPY mage_project ./mage_project
# the secrets tools, run in the container by scripts/compose-mage-secrets.sh, and the one-time trigger re-run
# (docker compose exec mage python scripts/mage-rerun.py <pipeline>)
COPY scripts/mage-secrets.py scripts/mage-sandbox-secrets.py scripts/mage-rerun.py ./scripts/
COPY docker/entrypoint.sh /usr/local/bin/qbo-entrypoint
RUN chmod 0755 /usr/local/bin/qbo-entrypoint \
    && node --version \
    && mkdir -p /home/src/mage_data /home/src/.spool /home/src/evidencias
EXPOSE 6789
ENTRYPOINT ["/usr/local/bin/qbo-entrypoint"]
CMD ["mage", "start", "mage_project"]

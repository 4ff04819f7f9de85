# syntax=docker/dockerfile:1
#
# One image for every Baton service. The default command runs the all-in-one process;
# each service runs from the same image by overriding the command, e.g.
#   docker run baton node services/coordinator/dist/main.js
# (see docker-compose.yml and deploy/kubernetes/).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: install everything, compile every project, drop dev dependencies ----------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NX_DAEMON=false \
    NX_NO_CLOUD=true

COPY . .
# `npm install`, not `npm ci`: the lockfile lacks some other-platform optional packages.
RUN --mount=type=cache,target=/root/.npm \
    npm install --no-audit --no-fund
RUN npx nx run-many -t build --output-style=static \
 && npm prune --omit=dev --no-audit --no-fund

# Gather what the runtime needs: each workspace's package.json, dist/ and proto/ (the gRPC
# API's .proto, loaded at start), the root
# package.json and the production node_modules (its @baton/* entries are relative symlinks
# to libs/<name> and services/<name>, which resolve again in the runtime stage).
RUN mkdir -p /out \
 && cp -a package.json node_modules /out/ \
 && for project in libs/* services/*; do \
      mkdir -p "/out/$project" \
      && cp -a "$project/package.json" "$project/dist" "/out/$project/" \
      && if [ -d "$project/proto" ]; then cp -a "$project/proto" "/out/$project/"; fi; \
    done

# ---- runtime ------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    BATON_HTTP_HOST=0.0.0.0

COPY --from=build /out/ ./

# The node image's unprivileged user (uid/gid 1000); files stay root-owned and read-only to it.
USER node

# 8080: HTTP admin API (gateway only); 50051: gRPC admin API (reserved).
EXPOSE 8080 50051

CMD ["node", "services/all-in-one/dist/main.js"]

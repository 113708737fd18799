# zfs-csi image: one image for `serve --mode controller`, `--mode node` and `--mode standalone` (DESIGN.md §2).
# It carries no zfs userland: the node plugin runs the HOST's zfs through the configured prefix
# (nsenter/chroot, DESIGN.md §4 rule 1, §6) so the tools always match the host's kernel module.

ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: compile TypeScript, then keep only production dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY csi-proto ./csi-proto
# Only src/: the image build does not depend on the test suite compiling.
COPY src ./src
RUN npm run build && npm prune --omit=dev

# ---- runtime: compiled JS, csi.proto, production node_modules, and the mount tools ----
FROM ${NODE_IMAGE}
ARG VERSION=0.1.0
ARG SOURCE=https://github.com/zfs-csi/zfs-csi
ARG REVISION=unknown
LABEL org.opencontainers.image.title="zfs-csi" \
      org.opencontainers.image.description="Kubernetes CSI driver for ZFS: PVCs as datasets, VolumeSnapshots as snapshots, restores as clones" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0"
# mount/umount (bind mounts), findmnt and nsenter (util-linux); chroot comes with coreutils.
RUN apt-get update \
 && apt-get install -y --no-install-recommends mount util-linux \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/csi-proto ./csi-proto
COPY --from=build /src/dist/src ./dist/src
# Non-root by default (the controller); the node DaemonSet runs the driver as root via its securityContext.
# Numeric so that Kubernetes can verify runAsNonRoot. uid 1000 is the image's `node` user.
USER 1000:1000
# Node flags: src/app/runtime-flags.ts (a small young generation keeps idle RSS in budget).
ENTRYPOINT ["node", "--max-semi-space-size=2", "/app/dist/src/app/main.js"]
CMD ["--help"]

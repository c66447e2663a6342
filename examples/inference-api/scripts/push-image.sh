#!/usr/bin/env bash
# Builds and pushes the image with a tagged version, and publishes it as the step output `image`.
set -euo pipefail
: "${ECR_REPO:?set ECR_REPO to your ECR repository URI, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/inference-api}"
tag="$(git rev-parse --short HEAD 2>/dev/null || date +%Y%m%d%H%M%S)"
docker build -t "$ECR_REPO:$tag" .
docker push "$ECR_REPO:$tag"
echo "image=$ECR_REPO:$tag" >> "$OFFLOAD_OUTPUT"

# The stepvault worker image the AWS stack runs on Fargate (infra/workers.ts): `stepvault` on the PATH, the
# production dependencies only. Build it, push it to ECR and give it to the stack:
#   docker build -t stepvault:TAG .
#   npx cdk deploy -c workerImage=ACCOUNT.dkr.ecr.REGION.amazonaws.com/stepvault:TAG
FROM node:24-bookworm-slim AS build
# zstd-napi compiles its binding at install
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/stepvault
COPY package.json package-lock.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
RUN npm ci --omit=dev

FROM node:24-bookworm-slim
COPY --from=build /opt/stepvault /opt/stepvault
RUN ln -s /opt/stepvault/bin/stepvault.js /usr/local/bin/stepvault
USER node
ENTRYPOINT ["stepvault"]

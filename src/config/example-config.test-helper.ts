// Test helper: a complete, valid stepvault.yaml that uses every kind of entry (tests refer to its line numbers).

export const EXAMPLE = `version: 1
repositories:
  main:
    location: ./repo
    password: { file: ./secrets/repo-password }
  offsite:
    location: s3:backup-bucket/stepvault
    password: { awsSecretsManager: { secretId: stepvault/offsite, region: eu-central-1 } }
sources:
  home:
    type: files
    paths: [~/Documents, ./data]
    excludes: ['*.tmp']
  wiki:
    type: confluence
    site: https://example.atlassian.net
    auth: { email: admin@example.com, token: { env: CONFLUENCE_TOKEN } }
    spaces: [ENG, OPS]
    history: all
    anomaly: { maxDeletedPages: 50, maxChangedPages: 20% }
plans:
  wiki-nightly:
    source: wiki
    repository: main
    rules:
      - name: daily
        schedule: cron(0 3 * * ? *)
        timezone: Europe/Berlin
        startWindow: 1h
        completionWindow: 8h
        retention: { keepDaily: 7, keepWeekly: 4, keepMonthly: 12 }
        copyTo: [{ repository: offsite, retention: { keepMonthly: 24 } }]
        verify: { checkSubset: 5%, restoreTest: { pick: random, within: 30d, compare: sample } }
        tags: [nightly]
        rpo: 26h
    approvalForProductionRestore: true
  home-hourly:
    source: home
    repository: main
    rules:
      - name: hourly
        schedule: rate(1 hour)
        retention: { keepHourly: 24, keepDaily: unlimited }
notifications:
  ops-slack:
    type: webhook
    url: { env: SLACK_WEBHOOK_URL }
    format: slack
    events: ['*.failed', rpo.breached, anomaly.detected]
  mail:
    type: smtp
    host: smtp.example.com
    auth: { user: stepvault, pass: { file: ./secrets/smtp } }
    from: stepvault@example.com
    to: [ops@example.com]
    events: ['backup.*']
  topic:
    type: sns
    topicArn: arn:aws:sns:eu-central-1:123456789012:stepvault
    region: eu-central-1
    events: ['*']
server:
  listen: 127.0.0.1:8420
  tokens:
    - { name: grafana, role: viewer, hash: 0b8d1a7e2c3f4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3 }
  stateDir: ./state
`;

"""moto_server that knows only the AWS-managed IAM policies the DR stack attaches.

The stack attaches AmazonECSTaskExecutionRolePolicy to the task execution role,
and moto resolves such an attachment only when it loads AWS-managed policies
(MOTO_IAM_LOAD_MANAGED_POLICIES=true). Loading all ~1,400 of them costs ~1.5 s
of CPU each time moto builds an IAM backend: after every /moto-api/reset and on
the first call for an account. Everything else is moto's own server, unchanged.

Usage: python moto-server.py [moto_server arguments]
"""
import json
import os
import sys

from moto.iam import models as iam_models

# Comma-separated policy names; the default is what stacks/service.ts attaches.
WANTED = set(
    filter(None, os.environ.get("DR_FAILOVER_MOTO_MANAGED_POLICIES", "AmazonECSTaskExecutionRolePolicy").split(","))
)

all_policies = json.loads(iam_models.aws_managed_policies_data)
missing = WANTED - set(all_policies)
if missing:
    sys.exit(f"moto-server.py: moto does not know the AWS-managed policies {sorted(missing)}")
iam_models.aws_managed_policies_data = json.dumps({name: all_policies[name] for name in sorted(WANTED)})
os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"

from moto.server import main  # noqa: E402  (after the patch, as moto_server would run)

sys.exit(main())

# nomad-mcp on the cluster it manages: 3 stateless replicas behind Nomad's native service discovery.
# Each client authenticates with its own Nomad ACL token (--auth nomad), so Nomad's ACLs decide what it may do.
# Any replica answers any request (--stateless, a shared state key): put a load balancer with no affinity in
# front, such as deploy/nomad-mcp-lb.nomad.hcl (nginx from a nomadService template) or Traefik reading the tags below.
#
# Before the first run (see README, "Running replicas on Nomad"):
#   nomad var put nomad-mcp/state key=$(openssl rand -hex 32)        # the round-trip state key all replicas share
#   nomad acl policy apply -namespace default -job nomad-mcp nomad-mcp-vars deploy/nomad-mcp-vars.policy.hcl
#   nomad-mcp tools push team-x.yaml                                   # team descriptors, read from nomad-mcp/tools

variable "replicas" {
  type    = number
  default = 3
}

# The load balancer's addresses (IPs or CIDRs, comma-separated): the replicas then read each caller's address from
# X-Forwarded-For, so per-address limits (unverified tokens) apply per caller, not to the whole team at once.
variable "trusted_proxies" {
  type    = string
  default = ""
}

variable "image" {
  type    = string
  default = "node:20-alpine"
}

job "nomad-mcp" {
  type        = "service"
  datacenters = ["*"]

  group "mcp" {
    count = var.replicas

    network {
      port "http" {
        to = 8000
      }
    }

    update {
      max_parallel     = 1
      health_check     = "checks"
      min_healthy_time = "10s"
      auto_revert      = true
    }

    service {
      name     = "nomad-mcp"
      port     = "http"
      provider = "nomad"
      tags = [
        "traefik.enable=true",
        "traefik.http.routers.nomad-mcp.rule=PathPrefix(`/mcp`) || PathPrefix(`/api/tools`)",
      ]

      check {
        type     = "http"
        path     = "/healthz"
        interval = "10s"
        timeout  = "2s"
      }
    }

    task "server" {
      driver = "docker"

      config {
        image   = var.image
        ports   = ["http"]
        command = "npx"
        args = [
          "--yes", "nomad-mcp", "serve", "--http", "--stateless",
          "--host", "0.0.0.0", "--port", "8000",
          "--auth", "nomad",
          "--state-key-file", "${NOMAD_SECRETS_DIR}/state.key",
          "--tools-from-nomad", "nomad-mcp/tools",
          "--audit-log", "/alloc/data/audit.jsonl",
          "--rate-limit", "240",
        ]
      }

      # The workload identity as NOMAD_TOKEN: the server's own token, used only to read its variables (the tools
      # under nomad-mcp/tools); callers' requests use the callers' tokens. The policy nomad-mcp-vars, attached to
      # this job, grants it that (deploy/nomad-mcp-vars.policy.hcl).
      identity {
        env = true
      }

      # The state key all replicas share, from the variable nomad-mcp/state (item key: 32 random bytes as hex).
      # A new key restarts the task, so every replica signs with the same one.
      template {
        data        = <<EOT
{{ with nomadVar "nomad-mcp/state" }}{{ .key }}{{ end }}
EOT
        destination = "secrets/state.key"
        perms       = "0400"
        change_mode = "restart"
      }

      env {
        # The local agent's HTTP API; with TLS also set NOMAD_CACERT (e.g. from a template block).
        NOMAD_ADDR = "http://${attr.unique.network.ip-address}:4646"
        NOMAD_MCP_TRUSTED_PROXIES = var.trusted_proxies
        # a smaller V8 young generation keeps RSS near 100 MB instead of ~160 MB under load
        NODE_OPTIONS = "--max-semi-space-size=2"
      }

      resources {
        cpu    = 200
        memory = 256
      }
    }
  }
}

# nomad-mcp on the cluster it manages: N stateless replicas behind Nomad service discovery.
# Each client authenticates with its own Nomad ACL token (--auth nomad), so Nomad's ACLs decide what it may do.
# Route /mcp to the service with Traefik (tags below) or any load balancer reading Nomad services;
# no sticky sessions are needed in --stateless mode (the legacy /mcp/sse transport would need them).

variable "replicas" {
  type    = number
  default = 2
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
          "--yes", "nomad-mcp", "serve", "--sse", "--stateless",
          "--host", "0.0.0.0", "--port", "8000",
          "--auth", "nomad",
          "--audit-log", "/alloc/data/audit.jsonl",
          "--rate-limit", "240",
        ]
      }

      env {
        # The local agent's HTTP API; with TLS also set NOMAD_CACERT (e.g. from a template block).
        NOMAD_ADDR = "http://${attr.unique.network.ip-address}:4646"
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

# A load balancer with no affinity in front of the nomad-mcp replicas: nginx, its upstream list rendered from
# Nomad's native service discovery (nomadService "nomad-mcp") and reloaded when replicas come and go.
# /mcp (2026-07-28 and stateless 2025 requests) and /api/tools go round robin to any replica; the legacy SSE
# transport (/mcp/sse + /mcp/messages) keeps a session in one process, so it is pinned by client address.

job "nomad-mcp-lb" {
  type        = "service"
  datacenters = ["*"]

  group "lb" {
    count = 1

    network {
      port "http" {
        static = 8080
        to     = 8080
      }
    }

    service {
      name     = "nomad-mcp-lb"
      port     = "http"
      provider = "nomad"

      check {
        type     = "http"
        path     = "/healthz"
        interval = "10s"
        timeout  = "2s"
      }
    }

    task "nginx" {
      driver = "docker"

      config {
        image   = "nginx:1.27-alpine"
        ports   = ["http"]
        volumes = ["local/nomad-mcp.conf:/etc/nginx/conf.d/default.conf"]
      }

      template {
        destination   = "local/nomad-mcp.conf"
        change_mode   = "signal"
        change_signal = "SIGHUP"
        data          = <<EOT
upstream nomad_mcp {
{{- range nomadService "nomad-mcp" }}
  server {{ .Address }}:{{ .Port }};
{{- else }}
  server 127.0.0.1:65535 down;
{{- end }}
}

upstream nomad_mcp_legacy_sse {
  ip_hash;
{{- range nomadService "nomad-mcp" }}
  server {{ .Address }}:{{ .Port }};
{{- else }}
  server 127.0.0.1:65535 down;
{{- end }}
}

server {
  listen 8080;

  # streams (progress, subscriptions/listen, followed logs) pass through as they come
  proxy_http_version 1.1;
  proxy_buffering off;
  proxy_read_timeout 1h;
  proxy_set_header Host $host;
  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;

  location /mcp/sse      { proxy_pass http://nomad_mcp_legacy_sse; }
  location /mcp/messages { proxy_pass http://nomad_mcp_legacy_sse; }
  location /mcp          { proxy_pass http://nomad_mcp; }
  location /api/tools    { proxy_pass http://nomad_mcp; }
  location = /healthz    { return 200 '{"status":"ok"}'; }
}
EOT
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}

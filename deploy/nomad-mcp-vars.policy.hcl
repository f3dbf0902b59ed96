# The variables the nomad-mcp job reads with its workload identity: the team descriptors (--tools-from-nomad)
# and the shared round-trip state key (its template block). Attach it to the job:
#   nomad acl policy apply -namespace default -job nomad-mcp nomad-mcp-vars deploy/nomad-mcp-vars.policy.hcl
# (whoever runs `nomad-mcp tools push` needs "write" on nomad-mcp/tools/* in their own token's policy)
namespace "default" {
  variables {
    path "nomad-mcp/tools/*" {
      capabilities = ["list", "read"]
    }
    path "nomad-mcp/state" {
      capabilities = ["read"]
    }
  }
}

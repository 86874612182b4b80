#!/usr/bin/env bash
# Fails when a vendor header is included outside its one platform/ adapter,
# or when a layer includes from a layer to its right (DESIGN.md: platform ->
# proto -> chain -> agent, gateway -> boards -> tools).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

status=0
sources() { find "$@" -type f \( -name '*.h' -o -name '*.hpp' -o -name '*.c' -o -name '*.cc' -o -name '*.cpp' \) 2>/dev/null || true; }
all_sources=$(sources proto platform chain agent gateway boards tools tests bench)

# vendor header pattern -> the only folder allowed to include it
declare -A vendor_home=(
  ['mbedtls/']='platform/mbedtls/'
  ['openssl/']='platform/openssl/'
  ['lmdb\.h']='platform/lmdb/'
  ['mqtt/']='platform/paho/'
  ['pb(_encode|_decode|_common)?\.h']='proto/src/'
  ['[a-z_]+\.pb\.h']='proto/src/'
  ['toml\+\+/']='platform/toml/'
  ['crypto\+\+/']='platform/cryptopp/'
  ['secp256k1(_[a-z]+)?\.h']='platform/secp256k1/'
  ['curl/']='platform/evm_rpc/'
  ['nlohmann/']='platform/json/'
  ['p11-kit/']='platform/pkcs11/'
)
for pattern in "${!vendor_home[@]}"; do
  home=${vendor_home[$pattern]}
  while IFS= read -r hit; do
    [ -z "$hit" ] && continue
    file=${hit%%:*}
    case "$file" in "$home"*) continue ;; esac
    echo "layers: $hit: vendor header belongs only in $home"
    status=1
  done < <(grep -EHn "#include *[<\"]($pattern)" $all_sources || true)
done

# layer -> the vs/ include prefixes it may use
declare -A allowed=(
  [platform]='platform'
  [proto]='platform|proto'
  [chain]='platform|proto|chain'
  [agent]='proto|platform|chain|agent'
  [gateway]='proto|platform|chain|gateway'
  [boards]='proto|platform|chain|agent|board'
)
for layer in "${!allowed[@]}"; do
  [ -d "$layer" ] || continue
  while IFS= read -r hit; do
    [ -z "$hit" ] && continue
    echo "layers: $hit: $layer/ may include only vs/{${allowed[$layer]}}"
    status=1
  done < <(grep -EHn '#include *"vs/' $(sources "$layer") | grep -Ev "#include *\"vs/(${allowed[$layer]})/" || true)
done

# tools/ parse arguments, call the libraries and print: they never name a
# store table nor build or decode a store key (gateway_tables.h is the
# gateway's schema, the agent's is device_chain.h's table enum).
while IFS= read -r hit; do
  [ -z "$hit" ] && continue
  echo "layers: $hit: tools/ may not name a store table or build a store key"
  status=1
done < <(grep -EHn 'gateway_tables\.h|\bk[A-Z][A-Za-z]*Table\b|TableNames|u64_key|height_key|queue_key|scan\(' \
           $(sources tools) || true)

[ $status -eq 0 ] && echo "layers: ok"
exit $status

# Smoke checks of `conduit track` / `geoip` / `version --licenses` on the AOT binary (sourced by scripts/smoke.sh).
check geoip-lookup bash -c "'$bin' geoip lookup 8.8.8.8 10.0.0.1 | tr -s ' ' | grep -q '^8.8.8.8 US United States' && '$bin' geoip lookup 10.0.0.1 | grep -q -- '--'"
check geoip-info-json bash -c "'$bin' geoip info --json 2>/dev/null | grep -q '\"sha256\": \"4e7f53dd9c6ebe0e7244d5dd4cc03639bc9dbe0a5a83eca90db50eeaeea72024\"'"
check version-licenses bash -c "'$bin' version --licenses | grep -q 'CC BY 4.0'"
check track-bad-interface-exit-2 bash -c "'$bin' track --interface no-such-if0 --json --once --duration 1 2>&1 | grep -q 'no-such-if0'; '$bin' track --interface no-such-if0 --once >/dev/null 2>&1; test \$? -eq 2"
check track-live-lo-json bash -c "'$bin' track --backend pcap --interface lo --json --once --duration 1 | grep -q '\"backend\":\"pcap\"'"
# A one-packet pcap written with printf: 8.8.8.8 -> 203.0.113.10, UDP, IPv4 total length 28.
check track-read-pcap bash -c "
  f=\$(mktemp); trap 'rm -f \$f' EXIT
  printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' >\$f
  printf '\x00\x00\x00\x00\x00\x00\x00\x00\x2a\x00\x00\x00\x2a\x00\x00\x00' >>\$f
  printf '\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00' >>\$f
  printf '\x45\x00\x00\x1c\x00\x00\x00\x00\x40\x11\x00\x00\x08\x08\x08\x08\xcb\x00\x71\x0a' >>\$f
  printf '\x00\x35\xc3\x50\x00\x08\x00\x00' >>\$f
  '$bin' track --read \$f --json --once --local 203.0.113.10 | grep -q '\"code\":\"US\",\"name\":\"United States\",\"bytes_in\":28,\"bytes_out\":0,\"packets_in\":1'"

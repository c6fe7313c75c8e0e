# Identity checks of the published binary (sourced by scripts/smoke.sh: $bin, $root, check): three stand-in
# nodes on the real Docker engine under a unique name, the spec's test vector end to end, removed at the end.
id_inst=smk$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
id_home=$root/identity-home
id_key=nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2DXWpgBgrEKt9VL/tPJZAc6DuFy89qmIyWvAhpo9wdRGg
id_proxy=2F4H7CKwrYgVN8L0TWYtGhQ8+DDFespDBdhcepD2ti4
id_link='network.ryve.app://(app)/conduits?claim=eyJkYXRhIjp7ImtleSI6Im5XR3huZS85V21DNmhFcjBrdXdzeEVSSnhXbDdNbWtaY0R1c0F4eXVmMkRYV3BnQmdyRUt0OVZML3RQSlpBYzZEdUZ5ODlxbUl5V3ZBaHBvOXdkUkdnIiwibmFtZSI6Im15LXN0YXRpb24ifSwidmVyc2lvbiI6MX0='
mkdir -p "$id_home"
printf 'CONTAINER_NAME=%s\nCONDUIT_IMAGE=conduit-standin:test\nCONTAINER_COUNT=3\nNODE_FLAGS=1\n' "$id_inst" >"$id_home/settings.conf"
# Every output except qr's goes to the transcript, which must never contain the private key.
idc() { CONDUIT_HOME=$id_home "$bin" "$@" 2>&1 | tee -a "$id_home/transcript"; return "${PIPESTATUS[0]}"; }
id_qr_refuses() { local out; out=$(CONDUIT_HOME=$id_home "$bin" qr 2 </dev/null 2>&1); [[ $? == 2 && $out == *"pass --yes"* && $out != *"$id_key"* ]]; }
id_import() { echo "$id_key" | idc import-key --container 2 --yes | grep -qF "proxy ID: $id_proxy"; }
id_all() { # the stand-ins write their keys just after they start: wait for that (bounded)
  local out deadline=$((SECONDS + 30))
  until out=$(idc id --all --json) && [[ $(grep -c '"status": "ok"' <<<"$out") == 3 ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
  [[ $out == *"\"proxy_id\": \"$id_proxy\""* ]]
}
id_qr_png() {
  CONDUIT_HOME=$id_home "$bin" qr 2 --yes --name my-station --png "$id_home/claim.png" | grep -qF "$id_link" &&
    [[ $(stat -c %a "$id_home/claim.png") == 600 && $(zbarimg --raw -q "$id_home/claim.png") == "$id_link" ]]
}
id_backup_all() { idc backup --all >/dev/null && [[ $(ls "$id_home/backups" | grep -c "^$id_inst.*_key_[0-9_]*\.json$") == 3 ]]; }
id_round_trip() {
  local file mount
  file=$(ls "$id_home/backups/$id_inst-2_key_"[0-9]*.json | head -n 1)
  mount=$(docker volume inspect --format '{{.Mountpoint}}' "$id_inst-data-2")
  echo '{"privateKeyBase64": "nWGxne' >"$mount/conduit_key.json"
  ! idc id 2 >/dev/null && idc restore "$file" --container 2 --yes | grep -qF "proxy ID: $id_proxy" &&
    idc id 2 | grep -qF "$id_proxy" && [[ $(docker inspect -f '{{.State.Running}}' "$id_inst-2" "$id_inst" "$id_inst-3" | sort -u) == true ]]
}
id_no_key_in_output() { ! grep -qF "${id_key:0:30}" "$id_home/transcript"; }

check identity-qr-refuses-without-yes id_qr_refuses
check identity-start-3-standins idc start
check identity-import-key id_import
check identity-id-all id_all
check identity-qr-png-decodes-to-the-spec-link id_qr_png
check identity-backup-all id_backup_all
check identity-restore-round-trip id_round_trip
check identity-no-key-in-output id_no_key_in_output
id_leftovers=$(docker ps -aq --filter "label=io.conduit.instance=$id_inst")
[[ -n $id_leftovers ]] && docker rm -f $id_leftovers >/dev/null
id_leftovers=$(docker volume ls -q --filter "label=io.conduit.instance=$id_inst")
[[ -n $id_leftovers ]] && docker volume rm -f $id_leftovers >/dev/null
true

#!/usr/bin/env bash
# Exit 0 once something listens on 127.0.0.1:$1.
exec 3<>"/dev/tcp/127.0.0.1/$1"

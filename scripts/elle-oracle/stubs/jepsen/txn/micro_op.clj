(ns jepsen.txn.micro-op "Local stand-in (empty).")

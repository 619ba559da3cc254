(ns jepsen.txn
  "Local stand-in for jepsen.txn 0.1.2 (not fetchable here): only what Elle uses.")

(defn reduce-mops
  "Reduces (f acc op mop) over every micro-op of every op in history."
  [f init history]
  (reduce (fn [acc op] (reduce (fn [acc mop] (f acc op mop)) acc (:value op)))
          init history))

(defn ext-reads
  "Map of keys to the values a txn read before writing them itself."
  [txn]
  (loop [ext {} ignore? #{} txn (seq txn)]
    (if-not txn
      ext
      (let [[f k v] (first txn)]
        (recur (if (or (not= :r f) (ignore? k)) ext (assoc ext k v))
               (conj ignore? k)
               (next txn))))))

(defn ext-writes
  "Map of keys to the last value a txn wrote to them."
  [txn]
  (loop [ext {} txn (seq txn)]
    (if-not txn
      ext
      (let [[f k v] (first txn)]
        (recur (if (= :w f) (assoc ext k v) ext) (next txn))))))

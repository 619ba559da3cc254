(ns oracle
  "Runs Elle 0.2.2's list-append or rw-register checker on EDN cases and
  prints one summary line (EDN) per case."
  (:require [clojure.edn :as edn]
            [clojure.java.io :as io]
            [elle.list-append :as la]
            [elle.rw-register :as rw]
            [jepsen.history :as h]))

(defn summary [res]
  {:valid?        (:valid? res)
   :anomaly-types (vec (sort (map name (:anomaly-types res))))
   :not           (vec (sort (map name (:not res))))
   :cycles        (into (sorted-map)
                        (for [[t cs] (:anomalies res)
                              :when (and (sequential? cs) (map? (first cs)) (:cycle (first cs)))]
                          [(name t) (mapv (fn [c] (mapv :index (:cycle c))) cs)]))})

(defn run-case [{:keys [workload opts history]}]
  (let [hist (h/history (mapv h/op history) {:dense-indices? true})
        check (if (= workload "txn-list-append") la/check rw/check)]
    (try (summary (check opts hist))
         (catch Throwable e {:error (str (.getName (class e)) ": " (.getMessage e))}))))

(defn -main [& files]
  (doseq [f files]
    (let [c (edn/read-string (slurp f))]
      (prn {:file (.getName (io/file f)) :result (run-case c)})))
  (shutdown-agents))

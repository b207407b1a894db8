{{/*
The chart's name, overridable with nameOverride.
*/}}
{{- define "tailstream.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The fully qualified name: the release name, plus the chart name unless the release name already
contains it. Truncated to 63 characters (DNS labels); the StatefulSet's pods append "-N".
*/}}
{{- define "tailstream.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tailstream.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tailstream.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tailstream.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "tailstream.labels" -}}
helm.sh/chart: {{ include "tailstream.chart" . }}
{{ include "tailstream.selectorLabels" . }}
app.kubernetes.io/component: sampler
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "tailstream.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tailstream.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "tailstream.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{- define "tailstream.rulesConfigMapName" -}}
{{- default (printf "%s-rules" (include "tailstream.fullname" .)) .Values.rules.existingConfigMap }}
{{- end }}

{{/*
Where the app config ConfigMap is mounted, and the file the container is started with.
*/}}
{{- define "tailstream.configDir" -}}/etc/tailstream/config{{- end }}

{{/*
Container memory in MiB: heap + RocksDB block cache (state.rocksdb.memory) + JVM and native
overhead. Used as both request and limit.
*/}}
{{- define "tailstream.memoryMiB" -}}
{{- add (int .Values.jvm.heapMiB) (int .Values.state.rocksdbMemoryMiB) (int .Values.jvm.overheadMiB) }}
{{- end }}

{{/*
-XX:MaxRAMPercentage giving a heap of jvm.heapMiB in a container of tailstream.memoryMiB,
rounded down to one decimal so that the heap never exceeds jvm.heapMiB.
*/}}
{{- define "tailstream.maxRAMPercentage" -}}
{{- $limit := include "tailstream.memoryMiB" . | float64 }}
{{- $permille := floor (mulf 1000.0 (divf (float64 .Values.jvm.heapMiB) $limit)) }}
{{- printf "%.1f" (divf $permille 10.0) }}
{{- end }}

{{- define "tailstream.javaOpts" -}}
{{- $opts := list (printf "-XX:MaxRAMPercentage=%s" (include "tailstream.maxRAMPercentage" .)) "-XX:+ExitOnOutOfMemoryError" "-Djava.io.tmpdir=/tmp" }}
{{- join " " (concat $opts .Values.jvm.extraOpts) }}
{{- end }}

{{/*
kafka.properties of tailstream.yaml: the Kafka Streams settings the chart manages, then the
user's kafka.properties. Secret properties are not here: they come from Secrets as environment
variables.
*/}}
{{- define "tailstream.kafkaProperties" -}}
{{- $k := .Values.kafka }}
{{- $p := dict }}
{{- $_ := set $p "num.standby.replicas" (int64 $k.standbyReplicas) }}
{{- $_ := set $p "max.warmup.replicas" (int64 $k.warmup.maxReplicas) }}
{{- $_ := set $p "acceptable.recovery.lag" (int64 $k.warmup.acceptableRecoveryLag) }}
{{- $_ := set $p "probing.rebalance.interval.ms" (int64 $k.warmup.probingRebalanceIntervalMs) }}
{{- if $k.tls.truststore.key }}
{{- $_ := set $p "ssl.truststore.location" (printf "%s/%s" $k.tls.mountPath $k.tls.truststore.key) }}
{{- $_ := set $p "ssl.truststore.type" $k.tls.truststore.type }}
{{- end }}
{{- if $k.tls.keystore.key }}
{{- $_ := set $p "ssl.keystore.location" (printf "%s/%s" $k.tls.mountPath $k.tls.keystore.key) }}
{{- $_ := set $p "ssl.keystore.type" $k.tls.keystore.type }}
{{- end }}
{{- range $name, $value := $k.properties }}
{{- $_ := set $p $name $value }}
{{- end }}
{{- toYaml $p }}
{{- end }}

{{/*
tailstream.yaml: config from values, plus the keys the chart owns (kafka, rules files, state,
http), which must agree with the pod spec.
*/}}
{{- define "tailstream.config" -}}
{{- $cfg := deepCopy .Values.config }}
{{- $properties := include "tailstream.kafkaProperties" . | fromYaml }}
{{- $_ := set $cfg "kafka" (dict "bootstrap-servers" .Values.kafka.bootstrapServers "properties" $properties) }}
{{- $rules := deepCopy (default (dict) (get $cfg "rules")) }}
{{- $_ := set $rules "file" (printf "%s/rules.yaml" .Values.rules.mountPath) }}
{{- $_ := set $rules "candidate-file" (printf "%s/candidate.yaml" .Values.rules.mountPath) }}
{{- $_ := set $cfg "rules" $rules }}
{{- $rocksdb := dict "memory" (printf "%dMiB" (int .Values.state.rocksdbMemoryMiB)) }}
{{- $_ := set $cfg "state" (dict "dir" .Values.state.dir "rocksdb" $rocksdb) }}
{{- $_ := set $cfg "http" (dict "host" "0.0.0.0" "port" (int .Values.http.port)) }}
{{- toYaml $cfg }}
{{- end }}

{{/*
Checks that JSON schema cannot express; stops the render with a message that says what to do.
*/}}
{{- define "tailstream.validate" -}}
{{- if not .Values.kafka.bootstrapServers }}
{{- fail "kafka.bootstrapServers is required: set it to the Kafka brokers the sampler reads spans from, for example --set kafka.bootstrapServers=kafka-bootstrap.kafka:9092" }}
{{- end }}
{{- if .Values.keda.enabled }}
{{- if le (int .Values.kafka.inputPartitions) 0 }}
{{- fail "keda.enabled needs kafka.inputPartitions: the partition count of the spans topic, which keda.maxReplicaCount must not exceed" }}
{{- end }}
{{- if gt (int .Values.keda.maxReplicaCount) (int .Values.kafka.inputPartitions) }}
{{- fail (printf "keda.maxReplicaCount (%d) must not exceed kafka.inputPartitions (%d): each partition of %s is processed by one instance, so instances beyond the partition count get no work and only cause rebalances" (int .Values.keda.maxReplicaCount) (int .Values.kafka.inputPartitions) (index .Values.config.topics "spans")) }}
{{- end }}
{{- if gt (int .Values.keda.minReplicaCount) (int .Values.keda.maxReplicaCount) }}
{{- fail (printf "keda.minReplicaCount (%d) must not exceed keda.maxReplicaCount (%d)" (int .Values.keda.minReplicaCount) (int .Values.keda.maxReplicaCount)) }}
{{- end }}
{{- end }}
{{- $owned := dict "bootstrap.servers" "kafka.bootstrapServers" "application.id" "config.application-id" "state.dir" "state.dir" "processing.guarantee" "config.processing-guarantee" "num.standby.replicas" "kafka.standbyReplicas" "max.warmup.replicas" "kafka.warmup.maxReplicas" "acceptable.recovery.lag" "kafka.warmup.acceptableRecoveryLag" "probing.rebalance.interval.ms" "kafka.warmup.probingRebalanceIntervalMs" "group.instance.id" "kafka.staticMembership (it must differ per pod)" }}
{{- if .Values.kafka.tls.truststore.key }}
{{- $_ := set $owned "ssl.truststore.location" "kafka.tls.truststore.key" }}
{{- $_ := set $owned "ssl.truststore.type" "kafka.tls.truststore.type" }}
{{- end }}
{{- if .Values.kafka.tls.keystore.key }}
{{- $_ := set $owned "ssl.keystore.location" "kafka.tls.keystore.key" }}
{{- $_ := set $owned "ssl.keystore.type" "kafka.tls.keystore.type" }}
{{- end }}
{{- $secret := list "sasl.jaas.config" "ssl.truststore.password" "ssl.keystore.password" "ssl.key.password" "ssl.keystore.key" "ssl.keystore.certificate.chain" }}
{{- range $name, $_ := .Values.kafka.properties }}
{{- if hasKey $owned $name }}
{{- fail (printf "kafka.properties.%s is set by the chart: use %s instead" $name (get $owned $name)) }}
{{- end }}
{{- if has $name $secret }}
{{- fail (printf "kafka.properties.%s is a secret and would land in a ConfigMap: put it in kafka.secretProperties (an existing Secret's name and key)" $name) }}
{{- end }}
{{- if hasKey $.Values.kafka.secretProperties $name }}
{{- fail (printf "%s is in both kafka.properties and kafka.secretProperties: keep it in one" $name) }}
{{- end }}
{{- end }}
{{- range $name, $_ := .Values.kafka.secretProperties }}
{{- if hasKey $owned $name }}
{{- fail (printf "kafka.secretProperties.%s is set by the chart: use %s instead" $name (get $owned $name)) }}
{{- end }}
{{- end }}
{{- if and (or .Values.kafka.tls.truststore.key .Values.kafka.tls.keystore.key) (not .Values.kafka.tls.secretName) }}
{{- fail "kafka.tls.truststore.key and kafka.tls.keystore.key name files in kafka.tls.secretName, which is empty" }}
{{- end }}
{{- if and .Values.rules.hashKeySecret.name (not .Values.rules.hashKeySecret.key) }}
{{- fail "rules.hashKeySecret.key is required with rules.hashKeySecret.name: the key of the Secret that holds the HMAC key" }}
{{- end }}
{{- if and .Values.rules.existingConfigMap .Values.rules.candidate }}
{{- fail "rules.candidate is ignored with rules.existingConfigMap: put candidate.yaml in that ConfigMap instead" }}
{{- end }}
{{- if and (not .Values.rules.existingConfigMap) (not .Values.rules.active) }}
{{- fail "rules.active is empty: the sampler needs a rules file (or set rules.existingConfigMap)" }}
{{- end }}
{{- end }}

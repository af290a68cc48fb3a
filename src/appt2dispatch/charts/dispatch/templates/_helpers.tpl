{{/*
Names and labels.
The selector labels are the three an app-template release of the same name uses
(name, instance, controller) so `helm upgrade` can adopt its Deployment in place.
*/}}

{{- define "dispatch.name" -}}
{{- .Values.nameOverride | default .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "dispatch.fullname" -}}
{{- .Values.fullnameOverride | default .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "dispatch.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels; `controller` overrides the controller id (the migration Job uses its own). */}}
{{- define "dispatch.selectorLabels" -}}
{{- $root := .root | default . -}}
app.kubernetes.io/name: {{ include "dispatch.name" $root | quote }}
app.kubernetes.io/instance: {{ $root.Release.Name | quote }}
app.kubernetes.io/controller: {{ .controller | default $root.Values.controllerName | quote }}
{{- end -}}

{{/* Labels every object carries: the selector labels plus chart bookkeeping. */}}
{{- define "dispatch.labels" -}}
{{- $root := .root | default . -}}
{{ include "dispatch.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ $root.Release.Service | quote }}
helm.sh/chart: {{ include "dispatch.chart" $root | quote }}
{{- with $root.Chart.AppVersion }}
app.kubernetes.io/version: {{ . | replace "+" "_" | trunc 63 | trimSuffix "-" | quote }}
{{- end }}
{{- end -}}

{{/*
Labels of an object: the chart's labels merged with user `extra` labels; the chart's win,
so a user label can never change a selector.
Call with (dict "root" $ "extra" .Values.labels).
*/}}
{{- define "dispatch.objectLabels" -}}
{{- $labels := include "dispatch.labels" .root | fromYaml -}}
{{- toYaml (merge $labels (.extra | default dict)) -}}
{{- end -}}

{{- define "dispatch.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "dispatch.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/*
The image reference: `repository:tag`, or `repository:tag@digest`. A tag that already
carries `@sha256:` (how app-template releases pin) is kept whole.
*/}}
{{- define "dispatch.image" -}}
{{- $image := .Values.image -}}
{{- $tag := $image.tag | default .Chart.AppVersion | toString -}}
{{- $digest := $image.digest | default "" -}}
{{- if contains "@sha256:" $tag -}}
{{- if and $digest (not (hasSuffix (printf "@%s" $digest) $tag)) -}}
{{- fail (printf "image.tag %q already pins a digest that differs from image.digest %q; set only one" $tag $digest) -}}
{{- end -}}
{{- printf "%s:%s" $image.repository $tag -}}
{{- else if $digest -}}
{{- printf "%s:%s@%s" $image.repository $tag $digest -}}
{{- else -}}
{{- printf "%s:%s" $image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/*
A scalar as an environment string. Helm reads every number as float64 and prints
86400000 as 8.64e+07, so whole numbers go through int64 to keep plain decimals.
*/}}
{{- define "dispatch.envString" -}}
{{- if kindIs "float64" . -}}
{{- if eq . (floor .) -}}
{{- printf "%d" (int64 .) -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/*
"true" when (dict "map" M "key" K) holds a non-null value. A user `null` deletes a
default key, but a `null` for a key without a default survives as nil: test both.
*/}}
{{- define "dispatch.isSet" -}}
{{- if and (kindIs "map" .map) (hasKey .map .key) (not (kindIs "invalid" (index .map .key))) -}}
true
{{- end -}}
{{- end -}}

{{/* "true" when the `env` map sets `name` itself (the user's entry then wins). */}}
{{- define "dispatch.envOverrides" -}}
{{- include "dispatch.isSet" (dict "map" (.root.Values.env | default dict) "key" .name) -}}
{{- end -}}

{{/*
DISPATCH_LANE_CONFIG_JSON: compact JSON of {"lanes", "laneAliases"}, after the checks
the values schema cannot express. Lane order and every lane key are kept.
*/}}
{{- define "dispatch.laneConfigJson" -}}
{{- $config := .Values.config | default dict -}}
{{- $lanes := $config.lanes -}}
{{- $aliases := $config.laneAliases | default dict -}}
{{- $ids := dict -}}
{{- $claimableByRole := dict -}}
{{- $anyClaimable := false -}}
{{- range $index, $lane := $lanes -}}
{{- $id := toString $lane.id -}}
{{- if hasKey $ids $id -}}
{{- fail (printf "config.lanes[%d]: lane id %q is used by more than one lane; lane ids must be unique" $index $id) -}}
{{- end -}}
{{- $_ := set $ids $id $index -}}
{{- if and (kindIs "bool" $lane.claimable) $lane.claimable -}}
{{- $anyClaimable = true -}}
{{- with $lane.role -}}
{{- if hasKey $claimableByRole . -}}
{{- fail (printf "config.lanes[%d]: lane %q is the second claimable lane with role %q (lane %q has it already); at most one claimable lane per role" $index $id . (index $claimableByRole .)) -}}
{{- end -}}
{{- $_ := set $claimableByRole . $id -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if not $anyClaimable -}}
{{- fail "config.lanes: no lane is claimable; at least one lane needs claimable: true" -}}
{{- end -}}
{{- range $alias, $target := $aliases -}}
{{- if not (hasKey $ids (toString $target)) -}}
{{- fail (printf "config.laneAliases.%s: alias %q points to lane %q, which is not a configured lane id (Helm merges laneAliases into the chart's default aliases: set an alias to null to drop it)" $alias $alias (toString $target)) -}}
{{- end -}}
{{- end -}}
{{- $set := dict "lanes" $lanes -}}
{{- if $aliases -}}
{{- $_ := set $set "laneAliases" $aliases -}}
{{- end -}}
{{- toRawJson $set -}}
{{- end -}}

{{/*
The app container's env list, as YAML: structured `config` variables (each only when
not null and not set in `env`), DATABASE_URL, SKIP_DB_MIGRATIONS, then `env` by name.
*/}}
{{- define "dispatch.appEnv" -}}
{{- $root := . -}}
{{- $config := .Values.config | default dict -}}
{{- $groomer := $config.groomer | default dict -}}
{{- $scheduler := $config.scheduler | default dict -}}
{{- $intervals := $scheduler.intervals | default dict -}}
{{- $structured := list
  (list "DISPATCH_AUTH_MODE" $config "authMode")
  (list "DISPATCH_EXCLUDED_LABELS" $config "excludedLabels")
  (list "DISPATCH_LLM_BASE_URL" $config "llmBaseUrl")
  (list "DISPATCH_HOSTED_GROOMER_ENABLED" $groomer "enabled")
  (list "DISPATCH_GROOMER_MODEL" $groomer "model")
  (list "DISPATCH_GROOMER_DRY_RUN" $groomer "dryRun")
  (list "DISPATCH_GROOMER_REPO_CONTEXT_ENABLED" $groomer "repoContext")
  (list "DISPATCH_SCHEDULER_ENABLED" $scheduler "enabled")
  (list "DISPATCH_SYNC_INTERVAL_MS" $intervals "syncMs")
  (list "DISPATCH_GROOMER_INTERVAL_MS" $intervals "groomerMs")
  (list "DISPATCH_PR_FOLLOWUP_INTERVAL_MS" $intervals "prFollowupMs")
  (list "DISPATCH_PRUNE_CLOSED_INTERVAL_MS" $intervals "pruneClosedMs")
-}}
{{- $env := list -}}
{{- range $structured -}}
{{- $name := index . 0 -}}
{{- $source := index . 1 -}}
{{- $key := index . 2 -}}
{{- if and (include "dispatch.isSet" (dict "map" $source "key" $key)) (not (include "dispatch.envOverrides" (dict "root" $root "name" $name))) -}}
{{- $value := index $source $key -}}
{{- if kindIs "slice" $value -}}
{{- $value = join "," $value -}}
{{- end -}}
{{- $env = append $env (dict "name" $name "value" (include "dispatch.envString" $value)) -}}
{{- end -}}
{{- end -}}
{{- if and (include "dispatch.isSet" (dict "map" $config "key" "laneAliases")) (not (include "dispatch.isSet" (dict "map" $config "key" "lanes"))) $config.laneAliases -}}
{{- fail "config.laneAliases is set but config.lanes is null: aliases travel in DISPATCH_LANE_CONFIG_JSON together with the lanes (with lanes: null set laneAliases: null too)" -}}
{{- end -}}
{{- if and (include "dispatch.isSet" (dict "map" $config "key" "lanes")) (not (include "dispatch.envOverrides" (dict "root" $root "name" "DISPATCH_LANE_CONFIG_JSON"))) -}}
{{- $env = append $env (dict "name" "DISPATCH_LANE_CONFIG_JSON" "value" (include "dispatch.laneConfigJson" $root)) -}}
{{- end -}}
{{- $env = concat $env (include "dispatch.databaseEnv" $root | fromYamlArray) -}}
{{- if not (include "dispatch.envOverrides" (dict "root" $root "name" "SKIP_DB_MIGRATIONS")) -}}
{{- $env = append $env (dict "name" "SKIP_DB_MIGRATIONS" "value" "true") -}}
{{- end -}}
{{- $env = concat $env (include "dispatch.extraEnv" (dict "root" $root) | fromYamlArray) -}}
{{- toYaml $env -}}
{{- end -}}

{{/* DATABASE_URL from `database.existingSecret`, unless `env` sets DATABASE_URL itself. */}}
{{- define "dispatch.databaseEnv" -}}
{{- $env := list -}}
{{- $database := .Values.database | default dict -}}
{{- if and $database.existingSecret (not (include "dispatch.envOverrides" (dict "root" . "name" "DATABASE_URL"))) -}}
{{- $ref := dict "name" $database.existingSecret "key" ($database.key | default "uri") -}}
{{- $env = append $env (dict "name" "DATABASE_URL" "valueFrom" (dict "secretKeyRef" $ref)) -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}

{{/*
The `env` map as an env list, sorted by name: scalars become `value`, maps are used
verbatim under `name` (e.g. `valueFrom`), null entries are skipped.
Call with (dict "root" $ "only" (list NAMES...)) to keep only some names.
*/}}
{{- define "dispatch.extraEnv" -}}
{{- $env := list -}}
{{- $only := .only -}}
{{- range $name, $value := (.root.Values.env | default dict) -}}
{{- if and (not (kindIs "invalid" $value)) (or (not $only) (has $name $only)) -}}
{{- if kindIs "map" $value -}}
{{- $env = append $env (merge (dict "name" $name) $value) -}}
{{- else if kindIs "slice" $value -}}
{{- fail (printf "env.%s: a list is not an environment value; give a string or a map such as valueFrom" $name) -}}
{{- else -}}
{{- $env = append $env (dict "name" $name "value" (include "dispatch.envString" $value)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}

{{/* envFrom: `existingSecret` first, then `extraEnvFrom` verbatim (a later source wins). */}}
{{- define "dispatch.envFrom" -}}
{{- $envFrom := list -}}
{{- with .Values.existingSecret -}}
{{- $envFrom = append $envFrom (dict "secretRef" (dict "name" .)) -}}
{{- end -}}
{{- $envFrom = concat $envFrom (.Values.extraEnvFrom | default list) -}}
{{- toYaml $envFrom -}}
{{- end -}}

{{/* Pod-level fields the app and the migration Job share. */}}
{{/*
ServiceAccount of the migration Job. Hooks run before Helm creates the release's own
objects, so on a first install (or the first upgrade from app-template) a ServiceAccount
this chart creates does not exist yet: the Job then runs as `default`, which always does.
*/}}
{{- define "dispatch.migrationServiceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
default
{{- else -}}
{{- include "dispatch.serviceAccountName" . -}}
{{- end -}}
{{- end -}}

{{- define "dispatch.podIdentity" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if kindIs "bool" .Values.enableServiceLinks }}
enableServiceLinks: {{ .Values.enableServiceLinks }}
{{- end }}
{{- with .Values.podSecurityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
(dict "map" M "defaults" D) -> JSON of M with each key of D added where M lacks it (or
holds null). Unlike sprig `merge`, an explicit empty value ("", 0) in M is kept.
*/}}
{{- define "dispatch.withDefaults" -}}
{{- $out := deepCopy (.map | default dict) -}}
{{- range $key, $value := .defaults -}}
{{- if not (include "dispatch.isSet" (dict "map" $out "key" $key)) -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

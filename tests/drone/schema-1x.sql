-- Drone 1.0 (v1.0.0) sqlite schema: the 2.x schema of schema-2x.sql without
-- the columns appended later (drone-schema.md section 7; no step_image).
-- Test fixture only: the tests load this, then their own rows.
CREATE TABLE IF NOT EXISTS migrations (name VARCHAR(255), UNIQUE(name));
CREATE TABLE IF NOT EXISTS repos (
 repo_id            INTEGER PRIMARY KEY AUTOINCREMENT
,repo_uid           TEXT
,repo_user_id       INTEGER
,repo_namespace     TEXT
,repo_name          TEXT
,repo_slug          TEXT
,repo_scm           TEXT
,repo_clone_url     TEXT
,repo_ssh_url       TEXT
,repo_html_url      TEXT
,repo_active        BOOLEAN
,repo_private       BOOLEAN
,repo_visibility    TEXT
,repo_branch        TEXT
,repo_counter       INTEGER
,repo_config        TEXT
,repo_timeout       INTEGER
,repo_trusted       BOOLEAN
,repo_protected     BOOLEAN
,repo_synced        INTEGER
,repo_created       INTEGER
,repo_updated       INTEGER
,repo_version       INTEGER
,repo_signer        TEXT
,repo_secret        TEXT
,UNIQUE(repo_slug)
,UNIQUE(repo_uid)
);
CREATE TABLE IF NOT EXISTS builds (
 build_id            INTEGER PRIMARY KEY AUTOINCREMENT
,build_repo_id       INTEGER
,build_trigger       TEXT
,build_number        INTEGER
,build_parent        INTEGER
,build_status        TEXT
,build_error         TEXT
,build_event         TEXT
,build_action        TEXT
,build_link          TEXT
,build_timestamp     INTEGER
,build_title         TEXT
,build_message       TEXT
,build_before        TEXT
,build_after         TEXT
,build_ref           TEXT
,build_source_repo   TEXT
,build_source        TEXT
,build_target        TEXT
,build_author        TEXT
,build_author_name   TEXT
,build_author_email  TEXT
,build_author_avatar TEXT
,build_sender        TEXT
,build_deploy        TEXT
,build_params        TEXT
,build_started       INTEGER
,build_finished      INTEGER
,build_created       INTEGER
,build_updated       INTEGER
,build_version       INTEGER
,UNIQUE(build_repo_id, build_number)
);
CREATE INDEX IF NOT EXISTS ix_build_repo ON builds (build_repo_id);
CREATE TABLE IF NOT EXISTS stages (
 stage_id          INTEGER PRIMARY KEY AUTOINCREMENT
,stage_repo_id     INTEGER
,stage_build_id    INTEGER
,stage_number      INTEGER
,stage_kind        TEXT
,stage_type        TEXT
,stage_name        TEXT
,stage_status      TEXT
,stage_error       TEXT
,stage_errignore   BOOLEAN
,stage_exit_code   INTEGER
,stage_limit       INTEGER
,stage_os          TEXT
,stage_arch        TEXT
,stage_variant     TEXT
,stage_kernel      TEXT
,stage_machine     TEXT
,stage_started     INTEGER
,stage_stopped     INTEGER
,stage_created     INTEGER
,stage_updated     INTEGER
,stage_version     INTEGER
,stage_on_success  BOOLEAN
,stage_on_failure  BOOLEAN
,stage_depends_on  TEXT
,stage_labels      TEXT
,UNIQUE(stage_build_id, stage_number)
,FOREIGN KEY(stage_build_id) REFERENCES builds(build_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS ix_stages_build ON stages (stage_build_id);
CREATE TABLE IF NOT EXISTS steps (
 step_id          INTEGER PRIMARY KEY AUTOINCREMENT
,step_stage_id    INTEGER
,step_number      INTEGER
,step_name        TEXT
,step_status      TEXT
,step_error       TEXT
,step_errignore   BOOLEAN
,step_exit_code   INTEGER
,step_started     INTEGER
,step_stopped     INTEGER
,step_version     INTEGER
,UNIQUE(step_stage_id, step_number)
,FOREIGN KEY(step_stage_id) REFERENCES stages(stage_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS ix_steps_stage ON steps (step_stage_id);
CREATE TABLE IF NOT EXISTS logs (
 log_id    INTEGER PRIMARY KEY
,log_data  BLOB
,FOREIGN KEY(log_id) REFERENCES steps(step_id) ON DELETE CASCADE
);

"""Layout detection, final-checkpoint choice and training-state filtering, on listings (no I/O)."""

import pytest

from robotics_training.mirror.errors import EmptySourceError, NoCheckpointError
from robotics_training.mirror.layouts import is_training_state, select
from robotics_training.mirror.readers import SourceFile


def listing(*paths, size=10):
    return [SourceFile(p, size, f"v-{p}") for p in paths]


def test_rsl_rl_takes_the_highest_iteration_not_the_last_in_lexical_order():
    sel = select(listing("model_0.pt", "model_1000.pt", "model_200.pt", "events.out.tfevents.1.host", "git/a.diff"))
    assert sel.layout == "rsl_rl" and sel.step == 1000 and sel.checkpoint == "model_1000.pt"
    assert [p.artifact for p in sel.model] == ["model/model_1000.pt"]
    assert [p.artifact for p in sel.tensorboard] == ["tensorboard/events.out.tfevents.1.host"]
    assert sel.older_checkpoints == 2


def test_rsl_rl_in_a_subdirectory_keeps_logs_relative_to_the_run():
    sel = select(listing("logs/rsl_rl/anymal/2026-05-01/model_5.pt", "logs/rsl_rl/anymal/2026-05-01/events.out.tfevents.9"))
    assert sel.run_dir == "logs/rsl_rl/anymal/2026-05-01"
    assert [p.artifact for p in sel.files] == ["tensorboard/events.out.tfevents.9", "model/model_5.pt"]


def test_skrl_prefers_the_highest_agent_step_over_best_agent():
    sel = select(listing("checkpoints/agent_500.pt", "checkpoints/agent_12000.pt", "checkpoints/best_agent.pt",
                         "events.out.tfevents.1"))
    assert sel.layout == "skrl" and sel.step == 12000
    assert [p.artifact for p in sel.model] == ["model/agent_12000.pt"]


def test_skrl_with_only_best_agent_has_no_step():
    sel = select(listing("checkpoints/best_agent.pt"))
    assert sel.step is None and [p.artifact for p in sel.model] == ["model/best_agent.pt"]


def test_hf_trainer_leaves_out_training_state_and_keeps_the_weights():
    files = listing(*[f"checkpoint-{n}/{f}" for n in (500, 1500, 1000) for f in (
        "config.json", "model.safetensors", "optimizer.pt", "optimizer.bin", "scheduler.pt", "scaler.pt",
        "rng_state.pth", "rng_state_3.pth", "training_args.bin", "trainer_state.json",
        "global_step1500/zero_pp_rank_0_mp_rank_00_optim_states.pt", "global_step1500/mp_rank_00_model_states.pt")],
        "runs/May01_12-00-00_host/events.out.tfevents.1")
    sel = select(files)
    assert sel.layout == "hf_trainer" and sel.step == 1500 and sel.checkpoint == "checkpoint-1500"
    model = sorted(p.artifact for p in sel.model)
    assert model == ["model/config.json", "model/model.safetensors", "model/trainer_state.json"]
    assert len(sel.filtered) == 9 and all(f.startswith("checkpoint-1500/") for f in sel.filtered)
    assert [p.artifact for p in sel.tensorboard] == ["tensorboard/runs/May01_12-00-00_host/events.out.tfevents.1"]


@pytest.mark.parametrize("name, state", [
    ("optimizer.pt", True), ("rng_state_12.pth", True), ("training_args.bin", True), ("scheduler.pt", True),
    ("global_step7/anything.pt", True), ("model.safetensors", False), ("config.json", False),
    ("model_optimizer_free.pt", False),
])
def test_training_state_patterns(name, state):
    assert is_training_state(name) is state


def test_an_empty_listing_is_its_own_error():
    with pytest.raises(EmptySourceError, match="holds no files"):
        select([], where="/runs/x")


def test_no_checkpoint_names_what_was_looked_for_and_what_was_found():
    with pytest.raises(NoCheckpointError) as err:
        select(listing("events.out.tfevents.1", "notes.txt"), where="/runs/x")
    text = str(err.value)
    assert "model_<N>.pt" in text and "checkpoint-<N>/" in text and "notes.txt" in text and "/runs/x" in text


def test_a_checkpoint_of_training_state_only_is_not_a_model():
    with pytest.raises(NoCheckpointError, match="only training state"):
        select(listing("checkpoint-10/optimizer.pt", "checkpoint-10/rng_state.pth"))


def test_several_runs_under_one_location_are_refused():
    with pytest.raises(NoCheckpointError, match="several rsl_rl runs"):
        select(listing("a/model_1.pt", "b/model_2.pt"))


def test_several_layouts_need_a_choice_and_the_choice_is_honoured():
    files = listing("model_3.pt", "checkpoint-4/config.json")
    with pytest.raises(NoCheckpointError, match="several layouts"):
        select(files)
    assert select(files, layout="hf_trainer").checkpoint == "checkpoint-4"


def test_the_fingerprint_follows_the_listing():
    base = select(listing("model_1.pt", "events.out.tfevents.1"))
    same = select(listing("model_1.pt", "events.out.tfevents.1"))
    touched = select([SourceFile("model_1.pt", 10, "new"), SourceFile("events.out.tfevents.1", 10, "v-events.out.tfevents.1")])
    assert base.fingerprint() == same.fingerprint() != touched.fingerprint()

from tests.schedule.conftest import inc_record  # noqa: F401  (INC 2.6's recorded schedules)

"""Shared by lava_eirate's Processes: check the ProcessModel Lava's compiler selects."""


class ChecksSelectedModel:
    """Mixin for an AbstractProcess: Lava's compiler assigns the selected ProcessModel to
    ``_model_class`` in the calling process, before its runtime starts; a model with a
    ``number_kind`` ("fixed"/"float") is passed to :meth:`_check_model_kind` there, which
    raises on a model that cannot run the process (an exception inside Lava's runtime
    leaves its processes hanging)."""

    @property
    def _model_class(self):
        return self.__dict__.get("_selected_model_class")

    @_model_class.setter
    def _model_class(self, cls):
        kind = getattr(cls, "number_kind", None)
        if kind is not None:
            self._check_model_kind(kind)
        self.__dict__["_selected_model_class"] = cls

    def _check_model_kind(self, kind: str) -> None:
        raise NotImplementedError

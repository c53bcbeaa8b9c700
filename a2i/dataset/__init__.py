"""Dataset creation: from a Spotify track list (or a folder of music) to a training-ready ``dataset.csv``.

The five steps of the thesis, each a function here and a sub-command of ``a2i dataset``:

1. :func:`~a2i.dataset.clean.clean_csv` — Kaggle Spotify Tracks Dataset -> one clean row per track.
2. :func:`~a2i.dataset.youtube.download_tracks` — find and download each track's music video audio.
3. :func:`~a2i.dataset.merge.merge_downloads` — join tracks with what was downloaded.
4. :func:`~a2i.dataset.prompting.write_prompts` — ten visual prompts per track (LLM or offline templates).
5. :func:`~a2i.dataset.split.split_csv` — stratified train/valid/test split, ``dataset.csv`` and a report.

Plus :func:`~a2i.dataset.spotify.fetch_tracks` (a playlist or track list through the Spotify Web API) and
:func:`~a2i.dataset.folder.from_folder` (a user's own music, nothing external). pandas, yt-dlp and spotipy
come with the ``[dataset]`` extra and are imported only inside the functions that use them.
"""

import { requireAuth } from "../../middleware/auth";
import { createRouter } from "../create-router";
import { deletePhotoHandler, getPhotoHandler, putPhotoHandler, servePhotoHandler } from "./photos.handlers";
import { deletePhoto, getPhoto, putPhoto, servePhoto } from "./photos.routes";

const router = createRouter();
router.use("/v1/logs/:id/photo", requireAuth());

/** Meal photos: upload, redirect and removal for the owner; signed URLs for everyone holding one. */
export const photosRouter = router
  .openapi(putPhoto, putPhotoHandler)
  .openapi(getPhoto, getPhotoHandler)
  .openapi(deletePhoto, deletePhotoHandler)
  .openapi(servePhoto, servePhotoHandler);
